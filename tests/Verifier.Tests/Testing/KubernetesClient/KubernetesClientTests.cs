using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing.KubernetesClient;

/// <summary>
/// LocalApiServer driven by a third client nobody here wrote, KubernetesClient (the official C# client), through the
/// kubeconfig the server writes: real HTTPS trusting the server's CA from <c>certificate-authority-data</c>, its typed
/// API, its watch, its typed errors.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesClientTests
{
    private LocalApiServer _server = null!;
    private string _directory = null!;
    private Kubernetes _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
        _directory = Directory.CreateTempSubdirectory("lapi-k8sclient-").FullName;
        _client = ClientFor(_server.AdminToken);
        _server.CreateServiceAccount("apps", "web");
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task TokenReview_ValidToken_IsAuthenticatedWithTheServiceAccountsIdentity()
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);

        var review = await _client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = token, Audiences = ["factors"] },
        });

        Assert.Multiple(() =>
        {
            Assert.That(review.Status.Authenticated, Is.True, review.Status.Error);
            Assert.That(review.Status.User.Username, Is.EqualTo("system:serviceaccount:apps:web"));
            Assert.That(review.Status.User.Uid, Is.EqualTo(_server.GetServiceAccountUid("apps", "web")));
            Assert.That(review.Status.Audiences, Is.EqualTo(new[] { "factors" }));
        });
    }

    [Test]
    public async Task TokenRequest_BoundToPod_ReturnsATokenTheServerTiesToThePod()
    {
        var podUid = _server.CreatePod("apps", "web-0", "web");

        var request = await _client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = ["factors"],
                ExpirationSeconds = 600,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = "web-0", Uid = podUid },
            },
        }, "web", "apps");

        var review = _server.ReviewToken(request.Status.Token, ["factors"]);
        _server.DeletePod("apps", "web-0", TimeSpan.Zero);
        var afterDeletion = _server.ReviewToken(request.Status.Token, ["factors"]);
        Assert.Multiple(() =>
        {
            Assert.That(request.Status.ExpirationTimestamp, Is.GreaterThan(DateTime.UnixEpoch));
            Assert.That(review.Authenticated, Is.True);
            Assert.That(review.Extra["authentication.kubernetes.io/pod-uid"], Is.EqualTo(new[] { podUid }));
            Assert.That(afterDeletion.Authenticated, Is.False);
        });
    }

    [Test]
    public async Task ServiceAccounts_CreateReadListDelete_RoundTrip()
    {
        var created = await _client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "api" } }, "apps");
        var read = await _client.CoreV1.ReadNamespacedServiceAccountAsync("api", "apps");
        var list = await _client.CoreV1.ListNamespacedServiceAccountAsync("apps");
        await _client.CoreV1.DeleteNamespacedServiceAccountAsync("api", "apps");

        Assert.Multiple(() =>
        {
            Assert.That(created.Metadata.Uid, Is.EqualTo(read.Metadata.Uid));
            Assert.That(read.Metadata.CreationTimestamp, Is.Not.Null);
            Assert.That(list.Items.Select(s => s.Metadata.Name), Is.EquivalentTo(new[] { "api", "default", "web" }));
            Assert.That(long.Parse(list.Metadata.ResourceVersion), Is.GreaterThanOrEqualTo(long.Parse(created.Metadata.ResourceVersion)));
            Assert.That(_server.GetServiceAccountUid("apps", "api"), Is.Null);
        });
    }

    [Test]
    public async Task Pods_GetAndList_CarryUidsAndResourceVersions()
    {
        var uid = _server.CreatePod("apps", "web-0", "web", labels: new Dictionary<string, string> { ["app"] = "web" });
        _server.CreatePod("apps", "web-1", "web");

        var pod = await _client.CoreV1.ReadNamespacedPodAsync("web-0", "apps");
        var list = await _client.CoreV1.ListNamespacedPodAsync("apps", labelSelector: "app=web");
        var all = await _client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "metadata.name=web-1");

        Assert.Multiple(() =>
        {
            Assert.That(pod.Metadata.Uid, Is.EqualTo(uid));
            Assert.That(pod.Spec.ServiceAccountName, Is.EqualTo("web"));
            Assert.That(list.Items.Select(p => p.Metadata.Name), Is.EqualTo(new[] { "web-0" }));
            Assert.That(list.Metadata.ResourceVersion, Is.EqualTo(_server.ResourceVersion.ToString()));
            Assert.That(all.Items.Select(p => p.Metadata.Name), Is.EqualTo(new[] { "web-1" }));
        });
    }

    [Test]
    public async Task Pods_WatchFromAListsVersionWithBookmarks_SeesChangesAndBookmarks()
    {
        _server.CreatePod("apps", "web-0", "web");
        var list = await _client.CoreV1.ListNamespacedPodAsync("apps");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<(WatchEventType Type, V1Pod Pod)>();

        var watch = _client.CoreV1.WatchListNamespacedPodAsync("apps", allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token);
        await using var stream = watch.GetAsyncEnumerator(cts.Token);
        var next = stream.MoveNextAsync().AsTask();
        await Eventually.WaitUntil(() => _server.OpenWatchCount == 1, "the client's watch open");
        _server.CreatePod("apps", "web-1", "web");
        _server.DeletePod("apps", "web-0", TimeSpan.Zero);
        for (var i = 0; i < 3; i++)
        {
            if (i == 2)
            {
                _server.SendWatchBookmarks();
            }

            Assert.That(await next, Is.True, "the watch ended early");
            events.Add(stream.Current);
            next = stream.MoveNextAsync().AsTask();
        }

        await cts.CancelAsync();
        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => $"{e.Type} {e.Pod.Metadata.Name}"), Is.EqualTo(new[] { "Added web-1", "Deleted web-0", "Bookmark " }));
            Assert.That(events[2].Pod.Metadata.ResourceVersion, Is.EqualTo(_server.ResourceVersion.ToString()));
        });
    }

    [Test]
    public async Task Pods_WatchFromACompactedVersion_SurfacesTheExpiredStatus()
    {
        var then = _server.ResourceVersion.ToString();
        _server.CreatePod("apps", "web-0", "web");
        _server.CompactHistory();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var errors = new List<Exception>();

        var types = new List<WatchEventType>();
        await foreach (var (type, _) in _client.CoreV1.WatchListNamespacedPodAsync("apps", resourceVersion: then, onError: errors.Add, cancellationToken: cts.Token))
        {
            types.Add(type);
        }

        // KubernetesClient reports an ERROR event's Status through onError (as a KubernetesException) and ends the stream.
        Assert.That(errors.Concat(types.Select(t => (Exception)new InvalidOperationException(t.ToString()))).Select(e => e.Message), Has.Some.Contain("too old resource version"));
    }

    [TestCase(401)]
    [TestCase(403)]
    [TestCase(404)]
    [TestCase(422)]
    public async Task Errors_AreTypedWithTheStatusCodeAndTheKubeStatusBody(int code)
    {
        Func<Task> call = code switch
        {
            401 => () => ClientFor("not-a-token").CoreV1.ListNamespacedPodAsync("apps"),
            403 => () => ClientFor(_server.IssueToken("apps", "web")).CoreV1.ListNamespacedPodAsync("apps"),
            404 => () => _client.CoreV1.ReadNamespacedPodAsync("missing", "apps"),
            _ => () => _client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta() }, "apps"),
        };

        var e = await Assert.ThrowsAsync<HttpOperationException>(async () => await call());

        var status = JsonNode.Parse(e!.Response.Content)!;
        Assert.Multiple(() =>
        {
            Assert.That((int)e.Response.StatusCode, Is.EqualTo(code));
            Assert.That(status["kind"]!.GetValue<string>(), Is.EqualTo("Status"));
            Assert.That(status["code"]!.GetValue<int>(), Is.EqualTo(code));
            Assert.That(status["reason"]!.GetValue<string>(), Is.EqualTo(code switch { 401 => "Unauthorized", 403 => "Forbidden", 404 => "NotFound", _ => "Invalid" }));
        });
    }

    private Kubernetes ClientFor(string token)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".yaml");
        _server.WriteKubeconfig(path, token);
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
    }
}
