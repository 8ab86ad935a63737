using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.Client;
using Verifier.Cluster;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.Client;

/// <summary>
/// <see cref="TokenRequestSource"/>, registered through <c>AddServiceAccountToken</c>, against LocalApiServer: the
/// token-request example (token-requester may create tokens for pod-viewer), renewal on a manual clock, shared
/// requests, retries with backoff and Retry-After, and the API server's refusals.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class TokenRequestSourceTests
{
    private const string Ns = "token-demo";
    private static readonly Verifier.Testing.Tokens.SigningKey SharedKey = Verifier.Testing.Tokens.SigningKey.CreateEc();

    private readonly ManualTimeProvider _time = new();
    private readonly TempDirectory _dir = new();
    private readonly List<ServiceProvider> _providers = [];
    private LocalApiServer _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { TimeProvider = _time, SigningKey = SharedKey });
        _server.CreateNamespace(Ns);
        _server.CreateServiceAccount(Ns, "token-requester");
        _server.CreateServiceAccount(Ns, "pod-viewer");
        _server.CreateServiceAccount(Ns, "no-rights");
        _server.GrantClusterRole(LocalApiServerRoles.TokenCreator, Ns, "token-requester");
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private long TokenRequests => _server.Counters.Count(ApiEndpoint.TokenRequest);

    private static TokenRequestSourceOptions PodViewer(Action<TokenRequestSourceOptions>? configure = null)
    {
        var options = new TokenRequestSourceOptions
        {
            Namespace = Ns,
            ServiceAccountName = "pod-viewer",
            Audiences = { "factors" },
            ExpirationSeconds = 600,
            RenewJitterFraction = 0,
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>The registration a workload running as <paramref name="caller"/> would have; returns the source and the provider.</summary>
    private (TokenRequestSource Source, ServiceProvider Provider) Create(TokenRequestSourceOptions options, string caller = "token-requester", Uri? resourceServer = null)
    {
        var credential = caller == "garbage" ? "not-a-token" : _server.IssueToken(Ns, caller);
        var tokenFile = _dir.Write("credential-" + Guid.NewGuid().ToString("N"), credential);
        options.ApiServer.Server = _server.BaseAddress;
        options.ApiServer.CertificateAuthorityData = _server.CaCertificatePem;
        options.ApiServer.TokenFile = tokenFile;

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IEnvironmentVariables>(FakeEnvironment.Empty);
        services.AddHttpClient("factors", c => c.BaseAddress = resourceServer).AddServiceAccountToken(o => o.TokenRequest = options);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return ((TokenRequestSource)provider.GetRequiredKeyedService<IServiceAccountTokenSource>("factors"), provider);
    }


    /// <summary>Moves the manual clock whenever the source waits on it (retry delays), until <paramref name="task"/> ends.</summary>
    private Task<T> PumpUntilDone<T>(Task<T> task, TimeSpan step) =>
        Eventually.PumpUntilDone(_time, task, step, "the source to finish");

    [Test]
    public async Task GetTokenAsync_RequesterWithTokenCreator_PodViewerTokenForFactors()
    {
        var (source, _) = Create(PodViewer());
        var now = _time.GetUtcNow();

        var token = await source.GetTokenAsync();

        var review = _server.ReviewToken(token, ["factors"]);
        Assert.Multiple(() =>
        {
            Assert.That(review.Authenticated, Is.True, review.Error);
            Assert.That(review.Username, Is.EqualTo("system:serviceaccount:token-demo:pod-viewer"));
            Assert.That(review.Audiences, Is.EqualTo(new[] { "factors" }));
            Assert.That(source.Current!.ExpiresAt, Is.EqualTo(now.AddSeconds(600)));
            Assert.That(source.Current.IssuedAt, Is.EqualTo(now));
            Assert.That(source.RenewAt, Is.EqualTo(now.AddSeconds(480)), "80 % of 600 s, no jitter");
            Assert.That(TokenRequests, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Renewal_At80PercentOnManualClock_NewTokenBeforeExpiry()
    {
        var (source, _) = Create(PodViewer());
        var first = await source.GetTokenAsync();

        _time.Advance(TimeSpan.FromSeconds(479));
        var cachedBefore = await source.GetTokenAsync();
        var requestsBefore = TokenRequests;
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.WaitUntil(() => source.Current?.Value != first, "renewal at 480 s");

        Assert.Multiple(async () =>
        {
            Assert.That(cachedBefore, Is.EqualTo(first));
            Assert.That(requestsBefore, Is.EqualTo(1), "nothing requested before 80 %");
            Assert.That(TokenRequests, Is.EqualTo(2));
            Assert.That(await source.GetTokenAsync(), Is.EqualTo(source.Current!.Value));
            Assert.That(source.Current!.ExpiresAt, Is.EqualTo(_time.GetUtcNow().AddSeconds(600)));
        });
    }

    [Test]
    public async Task Renewal_WithJitter_BetweenSeventyFiveAndEightyPercent()
    {
        var (source, _) = Create(PodViewer(o => o.RenewJitterFraction = 0.05));
        var now = _time.GetUtcNow();

        await source.GetTokenAsync();

        Assert.That(source.RenewAt, Is.InRange(now.AddSeconds(450), now.AddSeconds(480)));
    }

    [Test]
    public async Task GetTokenAsync_ConcurrentCallers_ShareOneRequest()
    {
        _server.Faults.Set(ApiEndpoint.TokenRequest, ApiFault.Delay(TimeSpan.FromMilliseconds(300)) with { Times = 1 });
        var (source, _) = Create(PodViewer());

        var tokens = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => source.GetTokenAsync().AsTask()));

        Assert.Multiple(() =>
        {
            Assert.That(tokens.Distinct().Count(), Is.EqualTo(1));
            Assert.That(TokenRequests, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetTokenAsync_TransientFailures_RetriedWithBackoffThenSucceeds()
    {
        _server.Faults.Set(ApiEndpoint.TokenRequest, ApiFault.Unavailable() with { Times = 2 });
        var (source, _) = Create(PodViewer());

        var token = await PumpUntilDone(source.GetTokenAsync().AsTask(), TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(_server.ReviewToken(token, ["factors"]).Authenticated, Is.True);
            Assert.That(_server.Counters.Count(ApiEndpoint.TokenRequest, 503), Is.EqualTo(2));
            Assert.That(_server.Counters.Count(ApiEndpoint.TokenRequest, 201), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetTokenAsync_TooManyRequests_WaitsForRetryAfter()
    {
        _server.Faults.Set(ApiEndpoint.TokenRequest, ApiFault.TooManyRequests(TimeSpan.FromSeconds(5)) with { Times = 1 });
        var (source, _) = Create(PodViewer());

        var pending = source.GetTokenAsync().AsTask();
        await Eventually.WaitUntil(() => _time.ActiveTimerCount > 0, "the retry delay");
        var retryDue = _time.NextTimerDue - _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(4));
        // Had a shorter (backoff) delay been used, its timer fired inside Advance and the retry follows at once.
        await Eventually.StaysFalse(() => TokenRequests > 1, TimeSpan.FromMilliseconds(100), "a retry before Retry-After");
        var requestsAt4s = TokenRequests;
        _time.Advance(TimeSpan.FromSeconds(1));
        var token = await pending.WaitAsync(Eventually.Limit);

        Assert.Multiple(() =>
        {
            Assert.That(retryDue, Is.EqualTo(TimeSpan.FromSeconds(5)), "the retry is scheduled at Retry-After, not after the 1 s backoff");
            Assert.That(requestsAt4s, Is.EqualTo(1), "no retry before Retry-After (5 s) although the backoff is 1 s");
            Assert.That(TokenRequests, Is.EqualTo(2));
            Assert.That(token, Is.Not.Empty);
        });
    }

    [Test]
    public async Task GetTokenAsync_OutageOutlastsToken_OldTokenUntilExpNeverAfter()
    {
        var (source, _) = Create(PodViewer(o => o.MaxAttempts = 2));
        var token = await source.GetTokenAsync();
        _server.Faults.Set(ApiEndpoint.TokenRequest, ApiFault.Unavailable());

        _time.Advance(TimeSpan.FromSeconds(480));
        await Eventually.WaitUntil(() => TokenRequests >= 2, "the background renewal");
        _time.Advance(TimeSpan.FromSeconds(100)); // 580 s: renewal failing, token still valid
        var beforeExpiry = await source.GetTokenAsync();
        _time.Advance(TimeSpan.FromSeconds(20)); // 600 s: exp

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(() => PumpUntilDone(source.GetTokenAsync().AsTask(), TimeSpan.FromSeconds(5)));

        Assert.Multiple(() =>
        {
            Assert.That(beforeExpiry, Is.EqualTo(token));
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Unavailable));
            Assert.That(ex.StatusCode, Is.EqualTo(503));
            Assert.That(ex.Message, Does.Contain("token-demo/pod-viewer"));
        });
    }

    [Test]
    public async Task GetTokenAsync_CallerWithoutCreateServiceAccountsToken_ForbiddenSaysWhatToGrant()
    {
        var (source, _) = Create(PodViewer(), caller: "no-rights");

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Forbidden));
            Assert.That(ex.StatusCode, Is.EqualTo(403));
            Assert.That(ex.Message, Does.Contain("serviceaccounts/token").And.Contain("resourceNames: [pod-viewer]"));
            Assert.That(TokenRequests, Is.EqualTo(1), "not retried");
        });
    }

    [Test]
    public async Task GetTokenAsync_UnknownServiceAccount_NotFound()
    {
        var (source, _) = Create(PodViewer(o => o.ServiceAccountName = "nobody"));

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.NotFound));
            Assert.That(ex.Message, Does.Contain("serviceaccounts \"nobody\" not found"));
            Assert.That(TokenRequests, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetTokenAsync_BoundToOwnPod_TokenCarriesPodAndStaleUidIsInvalid()
    {
        var podUid = _server.CreatePod(Ns, "viewer-0", "pod-viewer");
        var (bound, _) = Create(PodViewer(o => o.BoundObject = new BoundObjectReference { Name = "viewer-0", Uid = podUid }));
        var (stale, _) = Create(PodViewer(o => o.BoundObject = new BoundObjectReference { Name = "viewer-0", Uid = Guid.NewGuid().ToString() }));

        var token = await bound.GetTokenAsync();
        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await stale.GetTokenAsync());

        Assert.Multiple(() =>
        {
            Assert.That(_server.ReviewToken(token, ["factors"]).Extra["authentication.kubernetes.io/pod-name"], Is.EqualTo(new[] { "viewer-0" }));
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Invalid));
            Assert.That(ex.StatusCode, Is.EqualTo(409));
        });
    }

    [Test]
    public async Task GetTokenAsync_CallersOwnCredentialRejected_Unauthorized()
    {
        var (source, _) = Create(PodViewer(), caller: "garbage");

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(async () => await source.GetTokenAsync());

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Unauthorized));
            Assert.That(ex.StatusCode, Is.EqualTo(401));
            Assert.That(ex.Message, Does.Contain("caller's own credential"));
        });
    }

    [Test]
    public async Task GetTokenAsync_NamespaceUnset_TakesTheConnectionsNamespace()
    {
        // LocalApiServer's kubeconfig has context namespace "default".
        _server.CreateServiceAccount("default", "pod-viewer");
        var kubeconfig = Path.Combine(_dir.Path, "kubeconfig");
        _server.WriteKubeconfig(kubeconfig);
        var options = PodViewer(o => o.Namespace = null);
        options.ApiServer.KubeconfigPath = kubeconfig;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IEnvironmentVariables>(FakeEnvironment.Empty);
        services.AddHttpClient("factors").AddServiceAccountToken(o => o.TokenRequest = options);
        await using var provider = services.BuildServiceProvider();

        var token = await provider.GetRequiredKeyedService<IServiceAccountTokenSource>("factors").GetTokenAsync();

        Assert.That(_server.ReviewToken(token, ["factors"]).Username, Is.EqualTo("system:serviceaccount:default:pod-viewer"));
    }

    [Test]
    public async Task HttpClient_WithTokenRequestSource_ResourceServerAcceptsPodViewer()
    {
        // The resource server asks LocalApiServer, as the token server would ask TokenReview.
        await using var resource = await TestHttpsServer.StartAsync(async context =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            var review = header.StartsWith("Bearer ", StringComparison.Ordinal) ? _server.ReviewToken(header[7..], ["factors"]) : null;
            if (review is not { Authenticated: true })
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await context.Response.WriteAsync("360 = 2^3 * 3^2 * 5 for " + review.Username);
        });
        var (_, provider) = Create(PodViewer(), resourceServer: resource.Address);

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("factors").GetAsync(new Uri("/factors/360", UriKind.Relative));

        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.EndWith("system:serviceaccount:token-demo:pod-viewer"));
        });
    }
}
