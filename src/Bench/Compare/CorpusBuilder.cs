using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Verifier.Cluster;
using Verifier.Cluster.Resources;
using Verifier.Testing.Tokens;

namespace Bench.Compare;

/// <summary>
/// Mints the categories any API server can produce through TokenRequest, and derives the ones that need no
/// signing key of the cluster (tampered signature, unknown kid, malformed) from valid tokens.
/// </summary>
internal static class CorpusBuilder
{
    /// <summary>A TokenRequest for audience <see cref="CompareRun.Audience"/> (or <paramref name="audience"/>), optionally pod-bound.</summary>
    public static async Task<string> RequestTokenAsync(
        KubernetesApiClient api, string @namespace, string serviceAccount, string? pod, long expirationSeconds, CancellationToken ct, string audience = CompareRun.Audience)
    {
        var bound = pod is null ? null : new V1BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = pod };
        var result = await api.CreateTokenAsync(@namespace, serviceAccount, [audience], expirationSeconds, bound, ct).ConfigureAwait(false);
        return result.GetValueOrThrow().Status?.Token
            ?? throw new InvalidOperationException($"TokenRequest for {@namespace}/{serviceAccount} returned no token.");
    }

    /// <summary>Runs <paramref name="mint"/> <paramref name="count"/> times with a few in flight, reporting progress.</summary>
    public static async Task MintAsync(Corpus corpus, TokenCategory category, int count, Func<int, CancellationToken, Task<string>> mint, ProgressLine progress, CancellationToken ct)
    {
        var tokens = new string[count];
        var done = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            tokens[i] = await mint(i, token).ConfigureAwait(false);
            progress.Report($"minting {category}", Interlocked.Increment(ref done), count);
        }).ConfigureAwait(false);
        foreach (var token in tokens)
        {
            corpus.Add(category, token);
        }
    }

    /// <summary>Valid tokens with one signature byte changed (the signature still decodes, it just does not verify).</summary>
    public static void AddTampered(Corpus corpus, IReadOnlyList<string> valid, int count)
    {
        for (var i = 0; i < count && valid.Count > 0; i++)
        {
            var token = valid[i % valid.Count];
            var signatureStart = token.LastIndexOf('.') + 1;
            var at = signatureStart + ((token.Length - signatureStart) / 2);
            var replacement = token[at] == 'A' ? 'B' : 'A';
            corpus.Add(TokenCategory.TamperedSignature, string.Concat(token.AsSpan(0, at), new string(replacement, 1), token.AsSpan(at + 1)));
        }
    }

    /// <summary>Valid tokens with the newline a token file ends with: go-jose's base64 skips it (docs/kube-apiserver.md §9.3).</summary>
    public static void AddTrailingNewline(Corpus corpus, IReadOnlyList<string> valid, int count)
    {
        for (var i = 0; i < count && valid.Count > 0; i++)
        {
            corpus.Add(TokenCategory.TrailingNewline, valid[i % valid.Count] + "\n");
        }
    }

    /// <summary>A valid token's exact payload re-signed by a key the cluster never published, under that key's own kid.</summary>
    public static void AddUnknownKid(Corpus corpus, IReadOnlyList<string> valid, int count)
    {
        using var stranger = SigningKey.CreateRsa();
        for (var i = 0; i < count && valid.Count > 0; i++)
        {
            var parts = valid[i % valid.Count].Split('.');
            var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]));
            corpus.Add(TokenCategory.UnknownKid, JwtWriter.Sign(stranger, payload));
        }
    }

    /// <summary>Shapes the API server's pre-check and our parser must both refuse.</summary>
    public static void AddMalformed(Corpus corpus)
    {
        var header = JwtWriter.Encode("{\"alg\":\"RS256\",\"kid\":\"x\"}");
        var payload = JwtWriter.Encode("{\"iss\":\"https://kubernetes.default.svc.cluster.local\"}");
        string[] shapes =
        [
            "not-a-jwt",
            "a.b",
            "a.b.c.d",
            header + "." + payload,
            header + "." + payload + ".",
            header + "." + payload + "=." + "c2ln",
            "{\"alg\":\"none\"}." + payload + ".c2ln",
            header + ".!!!." + "c2ln",
            header + "." + JwtWriter.Encode("[1,2,3]") + ".c2ln",
            header + "." + JwtWriter.Encode("not json") + ".c2ln",
            JwtWriter.Encode("{\"alg\":\"none\"}") + "." + payload + ".",
            new string('a', 20_000) + "." + payload + ".c2ln",
        ];
        foreach (var shape in shapes)
        {
            corpus.Add(TokenCategory.Malformed, shape);
        }
    }

    /// <summary>Claims exactly as kube-apiserver writes them for a pod-bound token (alphabetical, aud array, integer dates).</summary>
    public static string PodBoundClaims(
        string issuer, string audience, DateTimeOffset issuedAt, long lifetimeSeconds, string @namespace, string serviceAccount,
        string serviceAccountUid, string pod, string podUid, string node, string? nodeUid)
    {
        var iat = issuedAt.ToUnixTimeSeconds();
        var nodeJson = nodeUid is null ? $"{{\"name\":\"{node}\"}}" : $"{{\"name\":\"{node}\",\"uid\":\"{nodeUid}\"}}";
        return $"{{\"aud\":[\"{audience}\"],\"exp\":{iat + lifetimeSeconds},\"iat\":{iat},\"iss\":\"{issuer}\",\"jti\":\"{Guid.NewGuid()}\"," +
            $"\"kubernetes.io\":{{\"namespace\":\"{@namespace}\",\"node\":{nodeJson},\"pod\":{{\"name\":\"{pod}\",\"uid\":\"{podUid}\"}}," +
            $"\"serviceaccount\":{{\"name\":\"{serviceAccount}\",\"uid\":\"{serviceAccountUid}\"}}}},\"nbf\":{iat}," +
            $"\"sub\":\"system:serviceaccount:{@namespace}:{serviceAccount}\"}}";
    }

    /// <summary>A short random suffix so repeated runs against one cluster never collide.</summary>
    public static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
}
