using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.Cluster;
using Verifier.Cluster.Resources;
using Verifier.Testing;
using Bench.Compare;
using Bench.Compare.Resources;

namespace Verifier.Tests.Cluster;

/// <summary>
/// <see cref="KubernetesApiClient"/> against LocalApiServer (real HTTPS on 127.0.0.1, its own CA, RBAC): TokenReview,
/// TokenRequest and pods, the API server's errors as typed results, and our own credential from a token file or the
/// kubeconfig the server writes.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesApiClientTests
{
    private const string Ns = "token-demo";

    // One signing key for the fixture: generating one per server start is most of the start-up time.
    private static readonly Verifier.Testing.Tokens.SigningKey SharedKey = Verifier.Testing.Tokens.SigningKey.CreateEc();

    private readonly ManualTimeProvider _time = new();
    private readonly TempDirectory _dir = new();
    private readonly List<ServiceProvider> _services = [];
    private LocalApiServer _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { TimeProvider = _time, SigningKey = SharedKey });
        _server.CreateNamespace(Ns);
        _server.CreateServiceAccount(Ns, "token-reviewer");
        _server.CreateServiceAccount(Ns, "token-client-test");
        _server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, Ns, "token-reviewer");
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var services in _services)
        {
            await services.DisposeAsync();
        }

        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private ServiceProvider Services(Action<ApiServerOptions> configure)
    {
        var services = ClusterTestServices.Build(configure, _time);
        _services.Add(services);
        return services;
    }

    /// <summary>The named client with a bearer token file, as a pod would have it.</summary>
    private KubernetesApiClient ClientWithTokenFile(string token, Action<ApiServerOptions>? configure = null)
    {
        var path = _dir.Write("token-" + Guid.NewGuid().ToString("N"), token);
        return Services(o =>
        {
            o.Server = _server.BaseAddress;
            o.CertificateAuthorityData = _server.CaCertificatePem;
            o.TokenFile = path;
            configure?.Invoke(o);
        }).GetRequiredService<KubernetesApiClient>();
    }

    private KubernetesApiClient ReviewerClient(Action<ApiServerOptions>? configure = null) =>
        ClientWithTokenFile(_server.IssueToken(Ns, "token-reviewer"), configure);

    /// <summary>The named client from the kubeconfig LocalApiServer writes (admin token, CA data).</summary>
    private KubernetesApiClient AdminClientFromKubeconfig()
    {
        var kubeconfig = Path.Combine(_dir.Path, "kubeconfig");
        _server.WriteKubeconfig(kubeconfig);
        return Services(o => o.KubeconfigPath = kubeconfig).GetRequiredService<KubernetesApiClient>();
    }

    [Test]
    public async Task CreateTokenReview_ValidToken_AuthenticatedUserAndAudiences()
    {
        var token = _server.IssueToken(Ns, "token-client-test", ["factors"]);

        var result = await ReviewerClient().CreateTokenReviewAsync(token, ["factors"], CancellationToken.None);

        Assert.That(result.Succeeded, Is.True, result.Error?.ToString());
        var status = result.Value!.Status!;
        Assert.Multiple(() =>
        {
            Assert.That(status.Authenticated, Is.True);
            Assert.That(status.User!.Username, Is.EqualTo("system:serviceaccount:token-demo:token-client-test"));
            Assert.That(status.User.Uid, Is.EqualTo(_server.GetServiceAccountUid(Ns, "token-client-test")));
            Assert.That(status.User.Groups, Does.Contain("system:authenticated").And.Contain("system:serviceaccounts:token-demo"));
            Assert.That(status.Audiences, Is.EqualTo(new[] { "factors" }));
            Assert.That(status.Error, Is.Null.Or.Empty);
        });
    }

    [Test]
    public async Task CreateTokenReview_WrongAudience_SuccessResultNotAuthenticated()
    {
        var token = _server.IssueToken(Ns, "token-client-test", ["other"]);

        var result = await ReviewerClient().CreateTokenReviewAsync(token, ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True, "201 with authenticated absent is an answer, not an API error");
            Assert.That(result.Value!.Status!.Authenticated, Is.False);
            Assert.That(result.Value.Status.Error, Does.Contain("invalid bearer token"));
        });
    }

    [Test]
    public async Task CreateTokenReview_OurIdentityLacksAuthDelegator_ForbiddenMisconfiguration()
    {
        var client = ClientWithTokenFile(_server.IssueToken(Ns, "token-client-test"));

        var result = await client.CreateTokenReviewAsync(_server.IssueToken(Ns, "token-client-test", ["factors"]), ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Forbidden));
            Assert.That(result.Error.StatusCode, Is.EqualTo(403));
            Assert.That(result.Error.Reason, Is.EqualTo("Forbidden"));
            Assert.That(result.Error.Message, Does.Contain("cannot create resource \"tokenreviews\""));
            Assert.That(result.Error.IsCredentialRejected, Is.True);
        });
    }

    [Test]
    public async Task CreateTokenReview_OurCredentialInvalid_UnauthorizedMisconfiguration()
    {
        var client = ClientWithTokenFile("not-a-valid-credential");

        var result = await client.CreateTokenReviewAsync(_server.IssueToken(Ns, "token-client-test", ["factors"]), ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Unauthorized));
            Assert.That(result.Error.StatusCode, Is.EqualTo(401));
            Assert.That(result.Error.IsCredentialRejected, Is.True);
            Assert.That(result.Error.IsTransient, Is.False);
        });
    }

    [Test]
    public async Task TokenFile_Rotated_NewCredentialUsedAfterRereadInterval()
    {
        var path = _dir.Write("rotating-token", _server.IssueToken(Ns, "token-reviewer"));
        var client = Services(o =>
        {
            o.Server = _server.BaseAddress;
            o.CertificateAuthorityData = _server.CaCertificatePem;
            o.TokenFile = path;
        }).GetRequiredService<KubernetesApiClient>();
        var reviewed = _server.IssueToken(Ns, "token-client-test", ["factors"]);

        var asReviewer = await client.CreateTokenReviewAsync(reviewed, ["factors"], CancellationToken.None);
        File.WriteAllText(path, _server.IssueToken(Ns, "token-client-test"));
        var withinInterval = await client.CreateTokenReviewAsync(reviewed, ["factors"], CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        var afterInterval = await client.CreateTokenReviewAsync(reviewed, ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(asReviewer.Succeeded, Is.True);
            Assert.That(withinInterval.Succeeded, Is.True, "the file is re-read at most once a minute");
            Assert.That(afterInterval.Error?.Kind, Is.EqualTo(KubernetesApiErrorKind.Forbidden), "now calling as token-client-test");
        });
    }

    [Test]
    public async Task CreateToken_AdminFromKubeconfig_TokenWithExpirationTimestamp()
    {
        var result = await AdminClientFromKubeconfig().CreateTokenAsync(Ns, "token-client-test", ["factors"], 600, null, CancellationToken.None);

        Assert.That(result.Succeeded, Is.True, result.Error?.ToString());
        var review = _server.ReviewToken(result.Value!.Status!.Token!, ["factors"]);
        Assert.Multiple(() =>
        {
            Assert.That(result.Value.Status.ExpirationTimestamp, Is.EqualTo(_time.GetUtcNow().AddSeconds(600)));
            Assert.That(result.Value.Spec.ExpirationSeconds, Is.EqualTo(600));
            Assert.That(review.Authenticated, Is.True);
            Assert.That(review.Username, Is.EqualTo("system:serviceaccount:token-demo:token-client-test"));
        });
    }

    [Test]
    public async Task CreateToken_WithoutTokenCreatorRole_Forbidden()
    {
        var result = await ReviewerClient().CreateTokenAsync(Ns, "token-client-test", ["factors"], 600, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Forbidden));
            Assert.That(result.Error.Message, Does.Contain("serviceaccounts/token").Or.Contain("\"serviceaccounts\""));
        });
    }

    [Test]
    public async Task CreateToken_WithTokenCreatorRole_Succeeds()
    {
        _server.GrantClusterRole(LocalApiServerRoles.TokenCreator, Ns, "token-reviewer");

        var result = await ReviewerClient().CreateTokenAsync(Ns, "token-client-test", ["factors"], 600, null, CancellationToken.None);

        Assert.That(result.Value?.Status?.Token, Is.Not.Null.And.Not.Empty, result.Error?.ToString());
    }

    [Test]
    public async Task CreateToken_UnknownServiceAccount_NotFoundWithStatusMessage()
    {
        var result = await AdminClientFromKubeconfig().CreateTokenAsync(Ns, "nobody", ["factors"], 600, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.NotFound));
            Assert.That(result.Error.Message, Is.EqualTo("serviceaccounts \"nobody\" not found"));
            Assert.That(result.Error.Reason, Is.EqualTo("NotFound"));
        });
    }

    [Test]
    public async Task CreateToken_ExpirationUnder600_Invalid422()
    {
        var result = await AdminClientFromKubeconfig().CreateTokenAsync(Ns, "token-client-test", ["factors"], 599, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Invalid));
            Assert.That(result.Error.StatusCode, Is.EqualTo(422));
            Assert.That(result.Error.Message, Does.Contain("may not specify a duration less than 10 minutes"));
        });
    }

    [Test]
    public async Task CreateToken_BoundToPod_ReviewCarriesThePodAndWrongUidConflicts()
    {
        var podUid = _server.CreatePod(Ns, "client-0", "token-client-test");
        var client = AdminClientFromKubeconfig();

        var bound = await client.CreateTokenAsync(Ns, "token-client-test", ["factors"], 600,
            new V1BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = "client-0", Uid = podUid }, CancellationToken.None);
        var stale = await client.CreateTokenAsync(Ns, "token-client-test", ["factors"], 600,
            new V1BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = "client-0", Uid = Guid.NewGuid().ToString() }, CancellationToken.None);

        Assert.That(bound.Succeeded, Is.True, bound.Error?.ToString());
        var review = _server.ReviewToken(bound.Value!.Status!.Token!, ["factors"]);
        Assert.Multiple(() =>
        {
            Assert.That(review.Extra["authentication.kubernetes.io/pod-uid"], Is.EqualTo(new[] { podUid }));
            Assert.That(stale.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Conflict));
            Assert.That(stale.Error.Message, Does.Contain("does not match the UID in record"));
        });
    }

    [Test]
    public async Task Pods_CreateGetDelete_RoundTrip()
    {
        var client = AdminClientFromKubeconfig();
        var account = await client.CreateServiceAccountAsync(Ns, "bench-sa", CancellationToken.None);

        var created = await client.CreatePodAsync(Ns, new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "bench-0" },
            Spec = new V1PodSpec { ServiceAccountName = "bench-sa", NodeName = "node-1", Containers = [new V1Container { Name = "app", Image = "registry.k8s.io/pause:3.10" }] },
        }, CancellationToken.None);
        var read = await client.GetPodAsync(Ns, "bench-0", CancellationToken.None);
        var deleted = await client.DeletePodAsync(Ns, "bench-0", CancellationToken.None);
        var missing = await client.GetPodAsync(Ns, "no-such-pod", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(account.Value?.Metadata?.Uid, Is.EqualTo(_server.GetServiceAccountUid(Ns, "bench-sa")), account.Error?.ToString());
            Assert.That(created.Value?.Metadata?.Uid, Is.Not.Null.And.Not.Empty, created.Error?.ToString());
            Assert.That(read.Value?.Metadata?.Uid, Is.EqualTo(created.Value?.Metadata?.Uid));
            Assert.That(read.Value?.Spec?.ServiceAccountName, Is.EqualTo("bench-sa"));
            Assert.That(deleted.Succeeded, Is.True, deleted.Error?.ToString());
            Assert.That(_server.GetPodDeletionTimestamp(Ns, "bench-0") is not null || _server.GetPodUid(Ns, "bench-0") is null, Is.True);
            Assert.That(missing.Error?.Kind, Is.EqualTo(KubernetesApiErrorKind.NotFound));
        });
    }

    [Test]
    public async Task Fault_TooManyRequests_RetryAfterParsed()
    {
        _server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.TooManyRequests(TimeSpan.FromSeconds(3)) with { Times = 1 });

        var result = await ReviewerClient().CreateTokenReviewAsync(_server.IssueToken(Ns, "token-client-test", ["factors"]), ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.TooManyRequests));
            Assert.That(result.Error.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(result.Error.IsTransient, Is.True);
            Assert.That(result.Error.IsCredentialRejected, Is.False);
        });
    }

    [Test]
    public async Task Fault_Unavailable_TransientServerError()
    {
        _server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.Unavailable());

        var result = await ReviewerClient().CreateTokenReviewAsync(_server.IssueToken(Ns, "token-client-test", ["factors"]), ["factors"], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.ServerError));
            Assert.That(result.Error.StatusCode, Is.EqualTo(503));
            Assert.That(result.Error.IsTransient, Is.True);
        });
    }

    [Test]
    public async Task Fault_DroppedConnection_Unreachable()
    {
        _server.Faults.Set(ApiEndpoint.TokenRequest, ApiFault.Drop());

        var result = await AdminClientFromKubeconfig().CreateTokenAsync(Ns, "token-client-test", ["factors"], 600, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Unreachable));
            Assert.That(result.Error.StatusCode, Is.Null);
        });
    }

    [Test]
    public async Task Fault_Hang_TimeoutAfterRequestTimeout()
    {
        _server.Faults.Set(ApiEndpoint.TokenReview, ApiFault.Hang());
        var client = ReviewerClient(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));

        var result = await client.CreateTokenReviewAsync(_server.IssueToken(Ns, "token-client-test", ["factors"]), ["factors"], CancellationToken.None);

        Assert.That(result.Error!.Kind, Is.EqualTo(KubernetesApiErrorKind.Timeout));
    }
}
