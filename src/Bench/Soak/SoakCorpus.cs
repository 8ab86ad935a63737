using System.Buffers.Text;
using System.Text;
using Verifier.Testing;

namespace Bench.Soak;

/// <summary>The soak's tokens, minted by the embedded API server: valid ones, ordinary invalid ones and a bogus-kid flood.</summary>
internal sealed class SoakCorpus
{
    public const string Audience = "https://soak.verifier.example";

    private SoakCorpus(string[] valid, string[] invalid, string[] bogusKid)
    {
        Valid = valid;
        Invalid = invalid;
        BogusKid = bogusKid;
    }

    public string[] Valid { get; }

    /// <summary>Tampered signatures, a wrong audience, malformed text: rejected without any fetch.</summary>
    public string[] Invalid { get; }

    /// <summary>A valid token's header re-encoded with a distinct unknown kid each: the unknown-kid flood.</summary>
    public string[] BogusKid { get; }

    public static SoakCorpus Create(LocalApiServer server, IReadOnlyList<(string Namespace, string Account)> accounts, SoakOptions options)
    {
        var valid = new string[options.ValidTokens];
        for (var i = 0; i < valid.Length; i++)
        {
            var (ns, account) = accounts[i % accounts.Count];
            valid[i] = server.IssueToken(ns, account, [Audience], 3600);
        }

        var invalid = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var token = valid[i % valid.Length];
            var lastDot = token.LastIndexOf('.');
            var flipAt = lastDot + 1 + (i % 40);
            invalid.Add(token[..flipAt] + (token[flipAt] == 'A' ? 'B' : 'A') + token[(flipAt + 1)..]);
        }

        var (firstNs, firstAccount) = accounts[0];
        for (var i = 0; i < 50; i++)
        {
            invalid.Add(server.IssueToken(firstNs, firstAccount, ["https://not-the-soak.example"], 3600));
        }

        invalid.AddRange(["not-a-token", "a.b", "a.b.c.d", "eyJhbGciOiJub25lIn0.e30.", new string('A', 20_000)]);

        var parts = valid[0].Split('.');
        var bogus = new string[options.BogusKids];
        for (var i = 0; i < bogus.Length; i++)
        {
            var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"kid\":\"bogus-" + i + "\"}"));
            bogus[i] = header + "." + parts[1] + "." + parts[2];
        }

        return new SoakCorpus(valid, [.. invalid], bogus);
    }
}
