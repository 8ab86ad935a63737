using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>The list and watch protocol of LocalApiServer, as kube-apiserver serves it (raw HTTP, real TLS).</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ListWatchTests
{
    private const string MetadataList = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    private const string MetadataObject = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    private static async Task<JsonNode> GetJsonAsync(HttpClient client, string pathAndQuery, string? accept = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), body);
        return JsonNode.Parse(body)!;
    }

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static List<string> Names(JsonNode list) => [.. list["items"]!.AsArray().Select(i => Str(i!["metadata"]!["name"]))];

    [Test]
    public async Task List_NamespacedAndAllNamespaces_CarryTheStoreVersionAndEachObjectsVersion()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0");
        server.CreatePod("apps", "web-1");
        server.CreatePod("batch", "job-0");
        using var client = server.CreateHttpClient(server.AdminToken);

        var apps = await GetJsonAsync(client, "/api/v1/namespaces/apps/pods");
        var all = await GetJsonAsync(client, "/api/v1/pods");

        var listVersion = long.Parse(Str(all["metadata"]!["resourceVersion"]));
        var itemVersions = all["items"]!.AsArray().Select(i => long.Parse(Str(i!["metadata"]!["resourceVersion"]))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(Str(apps["kind"]), Is.EqualTo("PodList"));
            Assert.That(Names(apps), Is.EqualTo(new[] { "web-0", "web-1" }));
            Assert.That(Names(all), Is.EqualTo(new[] { "web-0", "web-1", "job-0" }));
            Assert.That(listVersion, Is.EqualTo(server.ResourceVersion));
            Assert.That(itemVersions, Is.Unique.And.All.LessThanOrEqualTo(listVersion));
            Assert.That(itemVersions, Is.Ordered);
        });
    }

    [Test]
    public async Task List_SecretsNodesServiceAccounts_AreListsOfTheirKind()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreateSecret("apps", "db", new Dictionary<string, string> { ["password"] = "x" });
        server.CreateNode("node-a");
        server.CreateServiceAccount("apps", "web");
        using var client = server.CreateHttpClient(server.AdminToken);

        var secrets = await GetJsonAsync(client, "/api/v1/namespaces/apps/secrets");
        var nodes = await GetJsonAsync(client, "/api/v1/nodes");
        var accounts = await GetJsonAsync(client, "/api/v1/serviceaccounts");

        Assert.Multiple(() =>
        {
            Assert.That(Str(secrets["kind"]), Is.EqualTo("SecretList"));
            Assert.That(Names(secrets), Is.EqualTo(new[] { "db" }));
            Assert.That(Str(secrets["items"]![0]!["data"]!["password"]), Is.EqualTo("eA=="));
            Assert.That(Str(nodes["kind"]), Is.EqualTo("NodeList"));
            Assert.That(Names(nodes), Is.EqualTo(new[] { "node-a" }));
            Assert.That(Str(accounts["kind"]), Is.EqualTo("ServiceAccountList"));
            Assert.That(Names(accounts), Does.Contain("web").And.Contain("default"));
        });
    }

    [Test]
    public async Task List_ExactAtAnOlderVersion_ShowsTheStoreAsItWasThen()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "old");
        server.CreatePod("apps", "gone");
        var then = server.ResourceVersion;
        server.DeletePod("apps", "gone", TimeSpan.Zero);
        server.CreatePod("apps", "new");
        using var client = server.CreateHttpClient(server.AdminToken);

        var list = await GetJsonAsync(client, $"/api/v1/namespaces/apps/pods?resourceVersion={then}&resourceVersionMatch=Exact");

        Assert.Multiple(() =>
        {
            Assert.That(Names(list), Is.EqualTo(new[] { "gone", "old" }));
            Assert.That(Str(list["metadata"]!["resourceVersion"]), Is.EqualTo(then.ToString()));
        });
    }

    [Test]
    public async Task List_ExactAtACompactedVersion_Is410Expired()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0");
        var then = server.ResourceVersion;
        server.CreatePod("apps", "web-1");
        server.CompactHistory();
        using var client = server.CreateHttpClient(server.AdminToken);

        var status = await GetJsonAsync(client, $"/api/v1/pods?resourceVersion={then}&resourceVersionMatch=Exact", expected: HttpStatusCode.Gone);

        Assert.Multiple(() =>
        {
            Assert.That(Str(status["kind"]), Is.EqualTo("Status"));
            Assert.That(Str(status["reason"]), Is.EqualTo("Expired"));
            Assert.That(status["code"]!.GetValue<int>(), Is.EqualTo(410));
        });
    }

    [Test]
    public async Task List_NotOlderThanAFutureVersion_Is504TooLargeResourceVersion()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);

        var status = await GetJsonAsync(client, $"/api/v1/pods?resourceVersion={server.ResourceVersion + 100}", expected: HttpStatusCode.GatewayTimeout);

        Assert.That(Str(status["details"]!["causes"]![0]!["reason"]), Is.EqualTo("ResourceVersionTooLarge"));
    }

    [TestCase("resourceVersionMatch=Exact", "resourceVersionMatch is forbidden unless resourceVersion is provided")]
    [TestCase("resourceVersion=0&resourceVersionMatch=Exact", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")]
    [TestCase("resourceVersion=1&resourceVersionMatch=Newest", "supported values")]
    [TestCase("resourceVersion=abc", "invalid resource version")]
    public async Task List_InvalidVersionOptions_Is422(string query, string message)
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);

        var status = await GetJsonAsync(client, "/api/v1/pods?" + query, expected: HttpStatusCode.UnprocessableEntity);

        Assert.That(Str(status["message"]), Does.Contain(message));
    }

    [Test]
    public async Task List_LimitAndContinue_PagesAtTheFirstPagesVersion()
    {
        await using var server = await LocalApiServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            server.CreatePod("apps", $"web-{i}");
        }

        using var client = server.CreateHttpClient(server.AdminToken);
        var first = await GetJsonAsync(client, "/api/v1/namespaces/apps/pods?limit=2");
        server.CreatePod("apps", "web-9");
        var token = Uri.EscapeDataString(Str(first["metadata"]!["continue"]));
        var second = await GetJsonAsync(client, $"/api/v1/namespaces/apps/pods?limit=2&continue={token}");
        var third = await GetJsonAsync(client, $"/api/v1/namespaces/apps/pods?limit=2&continue={Uri.EscapeDataString(Str(second["metadata"]!["continue"]))}");

        Assert.Multiple(() =>
        {
            Assert.That(first["metadata"]!["remainingItemCount"]!.GetValue<long>(), Is.EqualTo(3));
            Assert.That(Names(first).Concat(Names(second)).Concat(Names(third)), Is.EqualTo(new[] { "web-0", "web-1", "web-2", "web-3", "web-4" }));
            Assert.That(third["metadata"]!["continue"], Is.Null);
            Assert.That(Str(third["metadata"]!["resourceVersion"]), Is.EqualTo(Str(first["metadata"]!["resourceVersion"])));
        });
    }

    [Test]
    public async Task List_ContinueAfterCompaction_Is410Expired()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0");
        server.CreatePod("apps", "web-1");
        using var client = server.CreateHttpClient(server.AdminToken);
        var first = await GetJsonAsync(client, "/api/v1/namespaces/apps/pods?limit=1");
        server.CreatePod("apps", "web-2");
        server.CompactHistory();

        var status = await GetJsonAsync(client, $"/api/v1/namespaces/apps/pods?limit=1&continue={Uri.EscapeDataString(Str(first["metadata"]!["continue"]))}", expected: HttpStatusCode.Gone);

        Assert.That(Str(status["reason"]), Is.EqualTo("Expired"));
    }

    [Test]
    public async Task List_PartialObjectMetadataList_ItemsCarryOnlyMetadata()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0", labels: new Dictionary<string, string> { ["app"] = "web" });
        using var client = server.CreateHttpClient(server.AdminToken);

        // client-go's metadata client: protobuf first (not served here), then JSON.
        var list = await GetJsonAsync(client, "/api/v1/namespaces/apps/pods", "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1," + MetadataList + ",application/json");

        var item = list["items"]![0]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(Str(list["kind"]), Is.EqualTo("PartialObjectMetadataList"));
            Assert.That(Str(list["apiVersion"]), Is.EqualTo("meta.k8s.io/v1"));
            Assert.That(Str(list["metadata"]!["resourceVersion"]), Is.EqualTo(server.ResourceVersion.ToString()));
            Assert.That(item.Select(p => p.Key), Is.EquivalentTo(new[] { "kind", "apiVersion", "metadata" }));
            Assert.That(Str(item["kind"]), Is.EqualTo("PartialObjectMetadata"));
            Assert.That(Str(item["metadata"]!["uid"]), Is.EqualTo(server.GetPodUid("apps", "web-0")));
            Assert.That(Str(item["metadata"]!["labels"]!["app"]), Is.EqualTo("web"));
        });
    }

    [TestCase(MetadataObject)]
    [TestCase("application/vnd.kubernetes.protobuf")]
    [TestCase("application/yaml")]
    public async Task List_NoServableMediaType_Is406(string accept)
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);

        var status = await GetJsonAsync(client, "/api/v1/pods", accept, HttpStatusCode.NotAcceptable);

        Assert.That(Str(status["reason"]), Is.EqualTo("NotAcceptable"));
    }

    [TestCase("fieldSelector=metadata.name%3Dweb-1", new[] { "web-1" })]
    [TestCase("fieldSelector=metadata.name!%3Dweb-1", new[] { "web-0", "job-0" })]
    [TestCase("fieldSelector=metadata.namespace%3D%3Dbatch", new[] { "job-0" })]
    [TestCase("fieldSelector=spec.nodeName%3Dnode-2", new[] { "job-0" })]
    [TestCase("labelSelector=app%3Dweb", new[] { "web-0", "web-1" })]
    [TestCase("labelSelector=app!%3Dweb", new[] { "job-0" })]
    public async Task List_Selectors_FilterTheItems(string query, string[] expected)
    {
        await using var server = await LocalApiServer.StartAsync();
        var web = new Dictionary<string, string> { ["app"] = "web" };
        server.CreatePod("apps", "web-0", labels: web);
        server.CreatePod("apps", "web-1", labels: web);
        server.CreatePod("batch", "job-0", nodeName: "node-2");
        using var client = server.CreateHttpClient(server.AdminToken);

        var list = await GetJsonAsync(client, "/api/v1/pods?" + query);

        Assert.That(Names(list), Is.EqualTo(expected));
    }

    [Test]
    public async Task List_UnsupportedFieldLabel_Is400()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);

        var status = await GetJsonAsync(client, "/api/v1/serviceaccounts?fieldSelector=spec.nodeName%3Dx", expected: HttpStatusCode.BadRequest);

        Assert.That(Str(status["message"]), Is.EqualTo("field label not supported: spec.nodeName"));
    }

    [Test]
    public async Task List_ThousandPodsAndHundredServiceAccounts_AllListedWholeAndPaged()
    {
        await using var server = await LocalApiServer.StartAsync();
        for (var i = 0; i < 1000; i++)
        {
            server.CreatePod($"ns-{i % 10}", $"pod-{i:D4}");
        }

        for (var i = 0; i < 100; i++)
        {
            server.CreateServiceAccount($"ns-{i % 10}", $"sa-{i:D3}");
        }

        using var client = server.CreateHttpClient(server.AdminToken);
        var pods = await GetJsonAsync(client, "/api/v1/pods");
        var metadata = await GetJsonAsync(client, "/api/v1/pods", MetadataList);
        var accounts = await GetJsonAsync(client, "/api/v1/serviceaccounts?fieldSelector=metadata.name!%3Ddefault");
        var paged = 0;
        string? token = null;
        do
        {
            var page = await GetJsonAsync(client, "/api/v1/pods?limit=500" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token)));
            paged += page["items"]!.AsArray().Count;
            token = page["metadata"]!["continue"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Multiple(() =>
        {
            Assert.That(pods["items"]!.AsArray(), Has.Count.EqualTo(1000));
            Assert.That(metadata["items"]!.AsArray(), Has.Count.EqualTo(1000));
            Assert.That(accounts["items"]!.AsArray(), Has.Count.EqualTo(100));
            Assert.That(paged, Is.EqualTo(1000));
        });
    }

    [Test]
    public async Task Watch_FromAListVersion_SendsEachLaterChangeWithItsVersion()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0");
        using var client = server.CreateHttpClient(server.AdminToken);
        var list = await GetJsonAsync(client, "/api/v1/namespaces/apps/pods");
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/namespaces/apps/pods?watch=true&resourceVersion={Str(list["metadata"]!["resourceVersion"])}");

        server.CreatePod("apps", "web-1");
        server.CreatePod("other", "elsewhere");
        server.DeletePod("apps", "web-0");
        server.FinalizeDeletions();
        var events = new List<JsonNode>();
        for (var i = 0; i < 3; i++)
        {
            events.Add((await watch.NextAsync())!);
        }

        var versions = events.Select(e => long.Parse(Str(e["object"]!["metadata"]!["resourceVersion"]))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => Str(e["type"]) + " " + Str(e["object"]!["metadata"]!["name"])), Is.EqualTo(new[] { "ADDED web-1", "MODIFIED web-0", "DELETED web-0" }));
            Assert.That(events[1]["object"]!["metadata"]!["deletionTimestamp"], Is.Not.Null);
            Assert.That(versions, Is.Ordered.Ascending.And.Unique);
            Assert.That(versions[^1], Is.EqualTo(server.ResourceVersion));
            Assert.That(Str(events[0]["object"]!["kind"]), Is.EqualTo("Pod"));
        });
    }

    [TestCase("")]
    [TestCase("&resourceVersion=0")]
    public async Task Watch_WithoutAVersion_StartsWithTheCurrentObjectsAsAdded(string version)
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0");
        server.CreatePod("apps", "web-1");
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, "/api/v1/pods?watch=true" + version);

        var first = await watch.NextAsync();
        var second = await watch.NextAsync();
        server.CreatePod("apps", "web-2");
        var third = await watch.NextAsync();

        Assert.That(new[] { first, second, third }.Select(e => Str(e!["type"]) + " " + Str(e!["object"]!["metadata"]!["name"])), Is.EqualTo(new[] { "ADDED web-0", "ADDED web-1", "ADDED web-2" }));
    }

    [Test]
    public async Task Watch_FromACompactedVersion_SendsOneExpiredErrorEventAndEnds()
    {
        await using var server = await LocalApiServer.StartAsync();
        var then = server.ResourceVersion;
        server.CreatePod("apps", "web-0");
        server.CompactHistory();
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&resourceVersion={then}");

        var error = await watch.NextAsync();
        var end = await watch.NextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(watch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Str(error!["type"]), Is.EqualTo("ERROR"));
            Assert.That(Str(error["object"]!["kind"]), Is.EqualTo("Status"));
            Assert.That(Str(error["object"]!["reason"]), Is.EqualTo("Expired"));
            Assert.That(error["object"]!["code"]!.GetValue<int>(), Is.EqualTo(410));
            Assert.That(Str(error["object"]!["message"]), Does.StartWith($"too old resource version: {then} "));
            Assert.That(end, Is.Null);
        });
    }

    [Test]
    public async Task Watch_HistoryWindowOverrun_IsExpiredToo()
    {
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { WatchHistoryLimit = 3 });
        var then = server.ResourceVersion;
        for (var i = 0; i < 4; i++)
        {
            server.CreatePod("apps", $"web-{i}");
        }

        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&resourceVersion={then}");

        var error = await watch.NextAsync();

        Assert.That(error!["object"]!["code"]!.GetValue<int>(), Is.EqualTo(410));
    }

    [Test]
    public async Task Watch_Bookmarks_ComeOnTheServersClockWithTheCurrentVersion()
    {
        var time = new ManualTimeProvider();
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { TimeProvider = time, WatchBookmarkInterval = TimeSpan.FromSeconds(60) });
        server.CreatePod("apps", "web-0");
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/namespaces/apps/pods?watch=true&allowWatchBookmarks=true&resourceVersion={server.ResourceVersion}");
        await Eventually.WaitUntil(() => server.OpenWatchCount == 1, "watch open");

        // A write elsewhere moves the version without an event for this watch: the bookmark still carries it.
        server.CreatePod("other", "x");
        time.Advance(TimeSpan.FromSeconds(60));
        var timed = await watch.NextAsync();
        server.SendWatchBookmarks();
        var requested = await watch.NextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Str(timed!["type"]), Is.EqualTo("BOOKMARK"));
            Assert.That(Str(timed["object"]!["kind"]), Is.EqualTo("Pod"));
            Assert.That(Str(timed["object"]!["metadata"]!["resourceVersion"]), Is.EqualTo(server.ResourceVersion.ToString()));
            Assert.That(Str(requested!["type"]), Is.EqualTo("BOOKMARK"));
        });
    }

    [Test]
    public async Task Watch_WithoutAllowWatchBookmarks_SendsNoBookmark()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&resourceVersion={server.ResourceVersion}");
        await Eventually.WaitUntil(() => server.OpenWatchCount == 1, "watch open");

        server.SendWatchBookmarks();
        server.CreatePod("apps", "web-0");

        Assert.That(Str((await watch.NextAsync())!["type"]), Is.EqualTo("ADDED"));
    }

    [Test]
    public async Task Watch_SendInitialEvents_EndsTheInitialEventsWithAnAnnotatedBookmark()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0");
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, "/api/v1/namespaces/apps/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");

        var added = await watch.NextAsync();
        var bookmark = await watch.NextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Str(added!["type"]), Is.EqualTo("ADDED"));
            Assert.That(Str(bookmark!["type"]), Is.EqualTo("BOOKMARK"));
            Assert.That(Str(bookmark["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]), Is.EqualTo("true"));
        });
    }

    [Test]
    public async Task Watch_TimeoutSeconds_EndsTheStreamCleanlyOnTheServersClock()
    {
        var time = new ManualTimeProvider();
        await using var server = await LocalApiServer.StartAsync(new LocalApiServerOptions { TimeProvider = time });
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&timeoutSeconds=30&resourceVersion={server.ResourceVersion}");
        await Eventually.WaitUntil(() => server.OpenWatchCount == 1, "watch open");

        var pending = watch.PendingLine();
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.That(pending.IsCompleted, Is.False, "ended before its timeout");
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(await pending.WaitAsync(WatchStream.Bound), Is.Null, "a clean end of stream, not a reset");
        await Eventually.WaitUntil(() => server.OpenWatchCount == 0, "watch closed");
    }

    [Test]
    public async Task Watch_PartialObjectMetadata_EventsAndBookmarksCarryOnlyMetadata()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion={server.ResourceVersion}", MetadataObject + ",application/json");
        await Eventually.WaitUntil(() => server.OpenWatchCount == 1, "watch open");

        server.CreatePod("apps", "web-0");
        var added = await watch.NextAsync();
        server.SendWatchBookmarks();
        var bookmark = await watch.NextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(watch.ContentType, Does.Contain("as=PartialObjectMetadata"));
            Assert.That(added!["object"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "kind", "apiVersion", "metadata" }));
            Assert.That(Str(added["object"]!["kind"]), Is.EqualTo("PartialObjectMetadata"));
            Assert.That(Str(added["object"]!["metadata"]!["uid"]), Is.EqualTo(server.GetPodUid("apps", "web-0")));
            Assert.That(Str(bookmark!["object"]!["kind"]), Is.EqualTo("PartialObjectMetadata"));
            Assert.That(Str(bookmark["object"]!["apiVersion"]), Is.EqualTo("meta.k8s.io/v1"));
        });
    }

    [Test]
    public async Task Watch_LabelSelector_ObjectsEnteringAndLeavingItAreAddedAndDeleted()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreateSecret("apps", "db");
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/namespaces/apps/secrets?watch=true&labelSelector=tier%3Ddata&resourceVersion={server.ResourceVersion}");

        server.SetSecretLabel("apps", "db", "tier", "data");
        server.SetSecretLabel("apps", "db", "owner", "me");
        server.SetSecretLabel("apps", "db", "tier", null);
        var events = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var e = await watch.NextAsync();
            events.Add(Str(e!["type"]) + " " + Str(e["object"]!["kind"]));
        }

        Assert.That(events, Is.EqualTo(new[] { "ADDED Secret", "MODIFIED Secret", "DELETED Secret" }));
    }

    [Test]
    public async Task Watch_FieldSelectorOnNodeName_SendsOnlyThatObject()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/nodes?watch=true&fieldSelector=metadata.name%3Dnode-b&resourceVersion={server.ResourceVersion}");

        server.CreateNode("node-a");
        server.CreateNode("node-b");
        var e = await watch.NextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Str(e!["object"]!["kind"]), Is.EqualTo("Node"));
            Assert.That(Str(e["object"]!["metadata"]!["name"]), Is.EqualTo("node-b"));
        });
    }

    [Test]
    public async Task WatchFault_Drop_CutsOpenStreamsAndRefusesNewOnes()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);
        using var watch = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&resourceVersion={server.ResourceVersion}");
        await Eventually.WaitUntil(() => server.OpenWatchCount == 1, "watch open");

        server.Faults.Set(ApiEndpoint.Watch, ApiFault.Drop());

        Assert.That(async () => await watch.NextAsync(), Throws.InstanceOf<IOException>().Or.InstanceOf<HttpRequestException>());
        Assert.That(async () => await WatchStream.OpenAsync(client, "/api/v1/pods?watch=true"), Throws.InstanceOf<HttpRequestException>());
        Assert.That(server.Counters.Count(ApiEndpoint.Watch, ApiCounters.DroppedConnection), Is.EqualTo(1));
        server.Faults.Clear(ApiEndpoint.Watch);
        using var again = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&resourceVersion={server.ResourceVersion}");
        server.CreatePod("apps", "web-0");
        Assert.That(Str((await again.NextAsync())!["type"]), Is.EqualTo("ADDED"));
    }

    [Test]
    public async Task WatchFault_Stall_SilencesAnOpenStreamWithoutClosingIt()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);
        var from = server.ResourceVersion;
        using var stalled = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion={from}");
        await Eventually.WaitUntil(() => server.OpenWatchCount == 1, "watch open");
        server.Faults.Set(ApiEndpoint.Watch, ApiFault.Stall() with { Times = 1 });
        await Eventually.WaitUntil(() => server.Faults.Get(ApiEndpoint.Watch) is null, "the open stream took the fault");
        var pending = stalled.PendingLine();

        using var healthy = await WatchStream.OpenAsync(client, $"/api/v1/pods?watch=true&resourceVersion={from}");
        server.CreatePod("apps", "web-0");
        server.SendWatchBookmarks();
        var delivered = await healthy.NextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Str(delivered!["object"]!["metadata"]!["name"]), Is.EqualTo("web-0"));
            Assert.That(pending.IsCompleted, Is.False, "the stalled stream neither sent nor ended");
            Assert.That(server.OpenWatchCount, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task WatchFault_StallOnANewWatch_AnswersHeadersThenNothing()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);
        server.Faults.Set(ApiEndpoint.Watch, ApiFault.Stall());

        using var watch = await WatchStream.OpenAsync(client, "/api/v1/pods?watch=true");
        var pending = watch.PendingLine();
        using var list = await client.GetAsync(new Uri("/api/v1/pods", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(watch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK), "only watches stall");
            Assert.That(pending.IsCompleted, Is.False);
        });
    }

    [Test]
    public async Task ListFault_Unavailable_FailsListsOnly()
    {
        await using var server = await LocalApiServer.StartAsync();
        using var client = server.CreateHttpClient(server.AdminToken);
        server.Faults.Set(ApiEndpoint.List, ApiFault.Unavailable());

        using var list = await client.GetAsync(new Uri("/api/v1/pods", UriKind.Relative));
        using var get = await client.GetAsync(new Uri("/api/v1/namespaces/default/serviceaccounts/default", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(server.Counters.Count(ApiEndpoint.List, 503), Is.EqualTo(1));
        });
    }
}
