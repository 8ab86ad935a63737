using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Verifier;
using Verifier.Testing;
using Verifier.Testing.Tokens;

namespace Bench;

/// <summary>
/// A flood of tokens naming random unknown <c>kid</c>s against a verifier that fetches its keys from a real
/// LocalApiServer over HTTPS: what a flood costs per token, and how many JWKS fetches it causes (printed at cleanup;
/// the design bound is one per <c>UnknownKeyCooldown</c>, 30 s).
/// </summary>
[MemoryDiagnoser]
public class UnknownKidFloodBenchmarks
{
    public const int TokensPerInvoke = 10_000;

    private LocalApiServer _server = null!;
    private IHost _host = null!;
    private IServiceAccountTokenVerifier _verifier = null!;
    private string[] _bogus = null!;
    private long _jwksFetchesAtStart;
    private long _tokensVerified;
    private string _caFile = null!;
    private string _tokenFile = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    public async Task SetupAsync()
    {
        _server = await LocalApiServer.StartAsync();
        var caFile = _caFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(caFile, _server.CaCertificatePem);
        var tokenFile = _tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, _server.AdminToken);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences.Add("factors");
            o.Mode = VerificationMode.Local;
            o.ApiServer.Server = _server.BaseAddress;
            o.ApiServer.CertificateAuthorityFile = caFile;
            o.ApiServer.TokenFile = tokenFile;
        });
        _host = builder.Build();
        await _host.StartAsync();
        _verifier = _host.Services.GetRequiredService<IServiceAccountTokenVerifier>();
        await _verifier.WaitUntilReadyAsync();

        // Bogus tokens need no valid signature: an unknown kid is decided before any signature check. One real
        // token's payload and signature under 10 000 headers with random kids.
        _server.CreateNamespace("flood");
        _server.CreateServiceAccount("flood", "sa");
        var real = _server.IssueToken("flood", "sa", ["factors"]).Split('.');
        _bogus = new string[TokensPerInvoke];
        for (var i = 0; i < _bogus.Length; i++)
        {
            var header = JwtWriter.Encode("{\"alg\":\"RS256\",\"kid\":\"" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "\"}");
            _bogus[i] = header + "." + real[1] + "." + real[2];
        }

        _jwksFetchesAtStart = JwksFetches;
    }

    /// <summary>JWKS requests the server has answered.</summary>
    public long JwksFetches => _server.Counters.Count(ApiEndpoint.Jwks);

    /// <summary>JWKS fetches caused by the flood so far (after the startup fetch).</summary>
    public long FloodFetches => JwksFetches - _jwksFetchesAtStart;

    [Benchmark(OperationsPerInvoke = TokensPerInvoke, Description = "10 000 tokens, random unknown kids")]
    public async Task<int> Flood()
    {
        // Rejected: UnknownKey once a fetch since the kid was first seen lacks it, a transient KeysUnavailable until then.
        var rejected = 0;
        foreach (var token in _bogus)
        {
            var result = await _verifier.VerifyAsync(token);
            if (result.Reason is VerificationFailureReason.UnknownKey or VerificationFailureReason.KeysUnavailable)
            {
                rejected++;
            }
        }

        _tokensVerified += _bogus.Length;
        return rejected;
    }

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    public async Task CleanupAsync()
    {
        Console.WriteLine(new StringBuilder().Append("// JWKS fetches caused by the flood: ").Append(FloodFetches)
            .Append(" for ").Append(_tokensVerified).Append(" bogus tokens").ToString());
        await _host.StopAsync();
        _host.Dispose();
        await _server.DisposeAsync();
        File.Delete(_caFile);
        File.Delete(_tokenFile);
    }
}
