using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Verifier;
using Verifier.Keys;
using Verifier.Testing;

namespace Bench;

/// <summary>
/// One verification per mode against an in-process LocalApiServer over loopback keep-alive HTTPS (issue 4,
/// Performance): TokenReview mode with its cache off (every call is a TokenReview), local uncached and cached,
/// hybrid with repeating bindings (100 tokens of 10 pods, cycled), next to a no-op loopback HTTPS GET as the floor.
/// Each mode is a real <c>AddKubernetesTokenVerifier</c> registration on the system clock.
/// </summary>
/// <remarks>
/// The TokenReview server side costs two signature checks per request here, as in kube-apiserver: one to
/// authenticate the verifier's own bearer token, one for the reviewed token (LocalApiServer has no token cache
/// unless asked, kube-apiserver caches the caller's token for 10 s).
/// </remarks>
[MemoryDiagnoser]
public class ModeBenchmarks
{
    private const string Audience = "api";

    private readonly List<ServiceProvider> _providers = [];
    private LocalApiServer _server = null!;
    private HttpClient _floor = null!;
    private HttpClient _serverSideReviewer = null!;
    private string _reviewBody = null!;
    private string _directory = null!;
    private string _token = null!;
    private string[] _hybridTokens = null!;
    private int _next;

    private IServiceAccountTokenVerifier _tokenReviewUncached = null!;
    private IServiceAccountTokenVerifier _localUncached = null!;
    private IServiceAccountTokenVerifier _localCached = null!;
    private IServiceAccountTokenVerifier _hybrid = null!;

    // Synchronous on purpose: not every BenchmarkDotNet toolchain awaits an async [GlobalSetup].
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    public async Task SetupAsync()
    {
        _server = await LocalApiServer.StartAsync();
        _directory = Directory.CreateTempSubdirectory("bench-modes-").FullName;
        _server.CreateServiceAccount("kube-system", "token-verifier");
        _server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, "kube-system", "token-verifier");
        var tokenFile = Path.Combine(_directory, "token");
        await File.WriteAllTextAsync(tokenFile, _server.IssueToken("kube-system", "token-verifier", expirationSeconds: 86_400));

        _server.CreateNode("node-1");
        _hybridTokens = new string[100];
        for (var i = 0; i < _hybridTokens.Length; i++)
        {
            var pod = "web-" + (i % 10);
            if (_server.GetPodUid("default", pod) is null)
            {
                _server.CreatePod("default", pod);
            }

            _hybridTokens[i] = _server.IssueToken("default", "default", [Audience], 3600, BoundObjectRef.Pod(pod));
        }

        _token = _hybridTokens[0];
        _floor = _server.CreateHttpClient();
        _serverSideReviewer = _server.CreateHttpClient(await File.ReadAllTextAsync(tokenFile));
        _reviewBody = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + _token + "\",\"audiences\":[\"" + Audience + "\"]}}";

        _tokenReviewUncached = await CreateAsync(tokenFile, o =>
        {
            o.Mode = VerificationMode.TokenReview;
            o.TokenReview.SuccessTtl = TimeSpan.Zero;
        });
        _localUncached = await CreateAsync(tokenFile, o =>
        {
            o.Mode = VerificationMode.Local;
            o.Cache.Enabled = false;
        });
        _localCached = await CreateAsync(tokenFile, o => o.Mode = VerificationMode.Local);
        _hybrid = await CreateAsync(tokenFile, o => o.Mode = VerificationMode.Hybrid);

        // Every verifier must accept before anything is timed.
        foreach (var verifier in new[] { _tokenReviewUncached, _localUncached, _localCached, _hybrid })
        {
            var result = await verifier.VerifyAsync(_token);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Setup: {result}");
            }
        }
    }

    public async Task CleanupAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        _floor.Dispose();
        _serverSideReviewer.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The floor: a no-op GET over the same kind of loopback keep-alive HTTPS connection.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> LoopbackHttpsFloor()
    {
        using var response = await _floor.GetAsync(new Uri("/healthz", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        return (int)response.StatusCode;
    }

    /// <summary>
    /// The same TokenReview as <see cref="TokenReviewUncached"/>, sent with a plain <see cref="HttpClient"/>: LocalApiServer's
    /// side of it (it runs in this process, so MemoryDiagnoser counts its allocations too) plus a bare client. The
    /// verifier's own share of <see cref="TokenReviewUncached"/> is the difference.
    /// </summary>
    [Benchmark]
    public async Task<bool> TokenReviewServerSide()
    {
        using var content = new StringContent(_reviewBody, System.Text.Encoding.UTF8, "application/json");
        using var response = await _serverSideReviewer.PostAsync(new Uri("/apis/authentication.k8s.io/v1/tokenreviews", UriKind.Relative), content);
        return (await response.Content.ReadAsStringAsync()).Contains("\"authenticated\":true", StringComparison.Ordinal);
    }

    [Benchmark]
    public ValueTask<TokenVerificationResult> TokenReviewUncached() => _tokenReviewUncached.VerifyAsync(_token);

    [Benchmark]
    public ValueTask<TokenVerificationResult> LocalUncached() => _localUncached.VerifyAsync(_token);

    [Benchmark]
    public ValueTask<TokenVerificationResult> LocalCached() => _localCached.VerifyAsync(_token);

    /// <summary>Cycles 100 tokens of 10 pods: after the first liveness TTL, at most 10 TokenReviews per 10 s.</summary>
    [Benchmark]
    public ValueTask<TokenVerificationResult> HybridRepeatingBindings()
    {
        var next = _next;
        _next = next == _hybridTokens.Length - 1 ? 0 : next + 1;
        return _hybrid.VerifyAsync(_hybridTokens[next]);
    }

    /// <summary>TokenReview requests LocalApiServer answered so far (for the run's sanity, not timed).</summary>
    public long TokenReviews => _server.Counters.Count(ApiEndpoint.TokenReview);

    private async Task<IServiceAccountTokenVerifier> CreateAsync(string tokenFile, Action<KubernetesTokenVerifierOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = [Audience];
            o.ApiServer.Server = _server.BaseAddress;
            o.ApiServer.CertificateAuthorityData = _server.CaCertificatePem;
            o.ApiServer.TokenFile = tokenFile;
            o.ApiServer.UseInCluster = false;
            configure(o);
        });
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var verifier = provider.GetRequiredService<IServiceAccountTokenVerifier>();
        if (provider.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value.Mode != VerificationMode.TokenReview
            && !await provider.GetRequiredService<KeyStore>().RefreshAsync(KeyRefreshTrigger.Startup))
        {
            throw new InvalidOperationException("Setup: keys did not load: " + verifier.GetStatus().LastKeyRefreshError);
        }

        return verifier;
    }
}
