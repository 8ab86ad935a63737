using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>
/// The real kubectl against LocalApiServer doing what it does against a cluster: pods on nodes go away after
/// their grace period, Secrets and Nodes, bound tokens to them, whoami / can-i / impersonation, label selectors,
/// watch tables and version skew. The server's clock is manual: grace periods end when the test says so.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubectlClusterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();
    private LocalApiServer _server = null!;
    private Kubectl _kubectl = null!;

    [SetUp]
    public async Task SetUp()
    {
        Assert.That(Kubectl.Executable, Is.Not.Null, "kubectl must be on PATH (.ci/run installs Debian's kubernetes-client)");
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, TimeProvider = _time });
        _kubectl = new Kubectl();
        _server.WriteKubeconfig(_kubectl.KubeconfigPath);
        _server.CreateServiceAccount("apps", "web");
    }

    [TearDown]
    public async Task TearDown()
    {
        _kubectl.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task DeletePod_OnExistingNode_RemovedWhenTheGracePeriodEnds()
    {
        _server.CreateNode("node-1");
        _server.CreatePod("apps", "web-0", "web", "node-1");
        var token = _server.IssueToken("apps", "web", ["factors"], boundObject: BoundObjectRef.Pod("web-0"));

        using var process = _kubectl.Start("delete", "pod", "web-0", "-n", "apps");
        await Eventually.WaitUntil(() => _time.NextTimerDue == _time.GetUtcNow() + TimeSpan.FromSeconds(30), "the DELETE arrives and the kubelet schedules the end of the grace period");
        _time.Advance(TimeSpan.FromSeconds(29));
        var terminating = _server.GetPodDeletionTimestamp("apps", "web-0");
        var validDuringGrace = _server.ReviewToken(token, ["factors"]).Authenticated;
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await Kubectl.WaitAsync(process, Bound);

        Assert.Multiple(() =>
        {
            Assert.That(terminating, Is.Not.Null, "Terminating until the grace period ends");
            Assert.That(validDuringGrace, Is.True);
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(result.Stdout.Trim(), Is.EqualTo("pod \"web-0\" deleted"));
            Assert.That(_server.GetPodUid("apps", "web-0"), Is.Null);
            Assert.That(_server.ReviewToken(token, ["factors"]).Error, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
        });
    }

    [Test]
    public async Task DeletePod_OnNodeThatDoesNotExist_GarbageCollectedAtOnce()
    {
        _server.CreatePod("apps", "web-0", "web", "ghost-node");

        var result = await _kubectl.RunAsync("delete", "pod", "web-0", "-n", "apps");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(result.Stdout.Trim(), Is.EqualTo("pod \"web-0\" deleted"));
            Assert.That(_server.GetPodUid("apps", "web-0"), Is.Null);
        });
    }

    [Test]
    public async Task CreateSecretGeneric_GetListDelete_AsInACluster()
    {
        var created = await _kubectl.RunAsync("create", "secret", "generic", "creds", "-n", "apps", "--from-literal=password=s3cret");
        var json = await _kubectl.RunAsync("get", "secret", "creds", "-n", "apps", "-o", "json");
        var table = await _kubectl.RunAsync("get", "secrets", "-n", "apps");
        var deleted = await _kubectl.RunAsync("delete", "secret", "creds", "-n", "apps");

        var secret = JsonNode.Parse(json.Stdout)!;
        Assert.Multiple(() =>
        {
            Assert.That(created.ExitCode, Is.Zero, created.Stderr);
            Assert.That(created.Stdout.Trim(), Is.EqualTo("secret/creds created"));
            Assert.That(secret["type"]!.GetValue<string>(), Is.EqualTo("Opaque"));
            Assert.That(secret["data"]!["password"]!.GetValue<string>(), Is.EqualTo(Convert.ToBase64String("s3cret"u8.ToArray())));
            Assert.That(table.Stdout, Does.Match("^NAME +TYPE +DATA +AGE\ncreds +Opaque +1 +0s\n$"));
            Assert.That(deleted.Stdout.Trim(), Is.EqualTo("secret \"creds\" deleted"));
            Assert.That(_server.GetSecretUid("apps", "creds"), Is.Null);
        });
    }

    [Test]
    public async Task CreateFromFile_ServiceAccountTokenSecret_PopulatedAsTheTokenControllerDoes()
    {
        var file = _kubectl.WriteFile("secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: web-token
              namespace: apps
              annotations:
                kubernetes.io/service-account.name: web
            type: kubernetes.io/service-account-token
            """);

        var created = await _kubectl.RunAsync("create", "-f", file);
        var json = await _kubectl.RunAsync("get", "secret", "web-token", "-n", "apps", "-o", "json");

        var secret = JsonNode.Parse(json.Stdout)!;
        var token = Decode(secret["data"]!["token"]!);
        var review = _server.ReviewToken(token);
        Assert.Multiple(() =>
        {
            Assert.That(created.ExitCode, Is.Zero, created.Stderr);
            Assert.That(secret["metadata"]!["annotations"]!["kubernetes.io/service-account.uid"]!.GetValue<string>(), Is.EqualTo(_server.GetServiceAccountUid("apps", "web")));
            Assert.That(Decode(secret["data"]!["namespace"]!), Is.EqualTo("apps"));
            Assert.That(Decode(secret["data"]!["ca.crt"]!), Is.EqualTo(_server.CaCertificatePem));
            Assert.That(JwtParts.Payload(token)["iss"]!.GetValue<string>(), Is.EqualTo("kubernetes/serviceaccount"));
            Assert.That(review.Authenticated, Is.True, review.Error);
            Assert.That(review.Username, Is.EqualTo("system:serviceaccount:apps:web"));
        });
    }

    [TestCase("Secret")]
    [TestCase("Node")]
    public async Task CreateToken_BoundToSecretOrNode_ValidUntilKubectlDeletesTheObject(string kind)
    {
        var file = _kubectl.WriteFile("object.yaml", kind == "Node"
            ? "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-7\n"
            : "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bound\n  namespace: apps\nstringData:\n  k: v\n");
        var name = kind == "Node" ? "node-7" : "bound";

        var created = await _kubectl.RunAsync("create", "-f", file);
        var listed = await _kubectl.RunAsync("get", kind == "Node" ? "nodes" : "secrets", "-n", "apps");
        var issued = await _kubectl.RunAsync("create", "token", "web", "-n", "apps", "--audience", "factors", "--bound-object-kind", kind, "--bound-object-name", name);
        var token = issued.Stdout.Trim();
        var live = _server.ReviewToken(token, ["factors"]);
        var deleted = await _kubectl.RunAsync("delete", kind.ToLowerInvariant(), name, "-n", "apps");
        var afterDelete = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(created.ExitCode, Is.Zero, created.Stderr);
            Assert.That(listed.Stdout, Does.Contain(name), listed.Stderr);
            Assert.That(issued.ExitCode, Is.Zero, issued.Stderr);
            Assert.That(JwtParts.Payload(token)["kubernetes.io"]![kind.ToLowerInvariant()]!["name"]!.GetValue<string>(), Is.EqualTo(name));
            Assert.That(live.Authenticated, Is.True, live.Error);
            Assert.That(deleted.ExitCode, Is.Zero, deleted.Stderr);
            Assert.That(afterDelete.Error, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
        });
    }

    [Test]
    public async Task GetNodes_CreatedFromFile_ShowsStatusRolesAndVersion()
    {
        var file = _kubectl.WriteFile("node.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-1\n  labels:\n    node-role.kubernetes.io/worker: \"\"\n");

        var created = await _kubectl.RunAsync("create", "-f", file);
        var table = await _kubectl.RunAsync("get", "nodes");

        Assert.Multiple(() =>
        {
            Assert.That(created.Stdout.Trim(), Is.EqualTo("node/node-1 created"), created.Stderr);
            Assert.That(table.Stdout, Does.Match("^NAME +STATUS +ROLES +AGE +VERSION\nnode-1 +Ready +worker +0s +v1\\.33\\.0-local\n$"));
        });
    }

    [Test]
    public async Task AuthWhoami_AdminAndServiceAccount_PrintTheirIdentity()
    {
        var admin = await _kubectl.RunAsync("auth", "whoami", "-o", "json");
        _server.WriteKubeconfig(_kubectl.KubeconfigPath, _server.IssueToken("apps", "web"));
        var account = await _kubectl.RunAsync("auth", "whoami");

        Assert.Multiple(() =>
        {
            Assert.That(admin.ExitCode, Is.Zero, admin.Stderr);
            Assert.That(JsonNode.Parse(admin.Stdout)!["status"]!["userInfo"]!["username"]!.GetValue<string>(), Is.EqualTo("local-admin"));
            Assert.That(account.ExitCode, Is.Zero, account.Stderr);
            Assert.That(account.Stdout, Does.Match("\nUsername +system:serviceaccount:apps:web\n"));
            Assert.That(account.Stdout, Does.Match("\nGroups +\\[system:serviceaccounts system:serviceaccounts:apps system:authenticated\\]\n"));
        });
    }

    [Test]
    public async Task AuthCanI_AsAdminAndAsAServiceAccount_AnswersFromRbac()
    {
        var admin = await _kubectl.RunAsync("auth", "can-i", "delete", "secrets", "-n", "apps");
        var asWeb = await _kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", "apps", "--as", "system:serviceaccount:apps:web");
        _server.GrantClusterRole(LocalApiServerRoles.View, "apps", "web");
        var asViewer = await _kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", "apps", "--as", "system:serviceaccount:apps:web");

        Assert.Multiple(() =>
        {
            Assert.That((admin.ExitCode, admin.Stdout.Trim()), Is.EqualTo((0, "yes")), admin.Stderr);
            Assert.That((asWeb.ExitCode, asWeb.Stdout.Trim()), Is.EqualTo((1, "no")), asWeb.Stderr);
            Assert.That((asViewer.ExitCode, asViewer.Stdout.Trim()), Is.EqualTo((0, "yes")), asViewer.Stderr);
        });
    }

    [Test]
    public async Task SubjectAccessReview_FromFile_AnswersForTheNamedUser()
    {
        _server.GrantClusterRole(LocalApiServerRoles.TokenCreator, "apps", "web");
        var file = _kubectl.WriteFile("sar.json", """
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"system:serviceaccount:apps:web","groups":["system:serviceaccounts"],
             "resourceAttributes":{"namespace":"apps","verb":"create","resource":"serviceaccounts","subresource":"token","name":"web"}}}
            """);

        var result = await _kubectl.RunAsync("create", "-f", file, "-o", "json");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(JsonNode.Parse(result.Stdout)!["status"]!["allowed"]!.GetValue<bool>(), Is.True);
        });
    }

    [Test]
    public async Task Impersonation_AdminAsServiceAccount_RequestRunsAsTheServiceAccount()
    {
        var result = await _kubectl.RunAsync("get", "pods", "-n", "apps", "--as", "system:serviceaccount:apps:web");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.Stderr.Trim(), Is.EqualTo(
                "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:apps:web\" cannot list resource \"pods\" in API group \"\" in the namespace \"apps\""));
        });
    }

    [Test]
    public async Task Impersonation_WithoutTheImpersonateVerb_RefusedWithKubesMessage()
    {
        _server.CreateServiceAccount("apps", "client");
        _server.WriteKubeconfig(_kubectl.KubeconfigPath, _server.IssueToken("apps", "client"));

        // get --raw needs no discovery (which kubectl would also impersonate, and only report as "unknown").
        var denied = await _kubectl.RunAsync("get", "--raw", "/api/v1/namespaces/apps/pods", "--as", "bob");
        _server.GrantClusterRole(LocalApiServerRoles.Impersonator, "apps", "client");
        var allowed = await _kubectl.RunAsync("auth", "whoami", "--as", "bob", "--as-group", "devs");

        Assert.Multiple(() =>
        {
            Assert.That(denied.ExitCode, Is.Not.Zero);
            Assert.That(denied.Stderr.Trim(), Is.EqualTo(
                "Error from server (Forbidden): users \"bob\" is forbidden: User \"system:serviceaccount:apps:client\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"));
            Assert.That(allowed.ExitCode, Is.Zero, allowed.Stderr);
            Assert.That(allowed.Stdout, Does.Match("\nUsername +bob\n"));
            Assert.That(allowed.Stdout, Does.Match("\nGroups +\\[devs system:authenticated\\]\n"));
        });
    }

    [TestCase("app=web", "pod/web-0")]
    [TestCase("app!=web", "pod/db-0,pod/plain")]
    [TestCase("app in (web,db)", "pod/db-0,pod/web-0")]
    [TestCase("app notin (web)", "pod/db-0,pod/plain")]
    [TestCase("tier", "pod/web-0")]
    [TestCase("!tier,app", "pod/db-0")]
    public async Task GetPods_LabelSelector_FiltersAsTheApiServerDoes(string selector, string expected)
    {
        var file = _kubectl.WriteFile("pods.yaml", string.Join("---\n",
            Pod("web-0", "{app: web, tier: front}"),
            Pod("db-0", "{app: db}"),
            Pod("plain", "{}")));
        var created = await _kubectl.RunAsync("create", "-f", file);

        var result = await _kubectl.RunAsync("get", "pods", "-n", "apps", "-l", selector, "-o", "name");

        Assert.Multiple(() =>
        {
            Assert.That(created.ExitCode, Is.Zero, created.Stderr);
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(string.Join(',', result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)), Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task GetPods_ShowLabels_LabelsKept()
    {
        await _kubectl.RunAsync("create", "-f", _kubectl.WriteFile("pod.yaml", Pod("web-0", "{app: web, tier: front}")));

        var result = await _kubectl.RunAsync("get", "pods", "-n", "apps", "--show-labels");

        Assert.That(result.Stdout, Does.Match("\nweb-0 +1/1 +Running +0 +0s +app=web,tier=front\n"), result.Stderr);
    }

    [Test]
    public async Task GetPods_Malformed_LabelSelector_BadRequest()
    {
        var result = await _kubectl.RunAsync("get", "pods", "-n", "apps", "-l", "app in web");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.Stderr, Does.Contain("(BadRequest)").And.Contain("unable to parse requirement: found 'web', expected: '('"));
        });
    }

    [Test]
    public async Task GetPodsWatch_NewPod_PrintedWithTheStatusColumns()
    {
        _server.CreatePod("apps", "web-0", "web", "node-1");
        using var process = _kubectl.Start("get", "pods", "-n", "apps", "-w");
        try
        {
            var header = await process.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            _server.CreatePod("apps", "web-1", "web", "node-1");
            var added = await process.StandardOutput.ReadLineAsync().WaitAsync(Bound);

            Assert.Multiple(() =>
            {
                Assert.That(header, Does.Match("^NAME +READY +STATUS +RESTARTS +AGE$"));
                Assert.That(first, Does.Match("^web-0 +1/1 +Running +0 +0s$"));
                Assert.That(added, Does.Match("^web-1 +1/1 +Running +0 +0s$"));
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task GetPodsWatch_LabelSelector_OnlyMatchingPodsPrinted()
    {
        var existing = await _kubectl.RunAsync("create", "-f", _kubectl.WriteFile("web0.yaml", Pod("web-0", "{app: web}")));
        using var process = _kubectl.Start("get", "pods", "-n", "apps", "-l", "app=web", "-w");
        try
        {
            // Once the listed row is printed, kubectl watches from that list's resourceVersion: both pods below
            // arrive as watch events.
            var header = await process.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            var listed = await process.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            var db = await _kubectl.RunAsync("create", "-f", _kubectl.WriteFile("db.yaml", Pod("db-0", "{app: db}")));
            var web = await _kubectl.RunAsync("create", "-f", _kubectl.WriteFile("web1.yaml", Pod("web-1", "{app: web}")));
            var next = await process.StandardOutput.ReadLineAsync().WaitAsync(Bound);

            Assert.Multiple(() =>
            {
                Assert.That(existing.ExitCode + db.ExitCode + web.ExitCode, Is.Zero, existing.Stderr + db.Stderr + web.Stderr);
                Assert.That(header, Does.Match("^NAME +READY +STATUS +RESTARTS +AGE$"));
                Assert.That(listed, Does.Match("^web-0 +1/1 +Running +0 +0s$"));
                Assert.That(next, Does.Match("^web-1 +1/1 +Running +0 +0s$"), "db-0 does not match app=web");
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task Version_DefaultServer_WithinTheInstalledKubectlsSkew()
    {
        var client = await _kubectl.RunAsync("version", "--client", "-o", "json");
        var both = await _kubectl.RunAsync("version", "-o", "json");

        var clientMinor = Minor(JsonNode.Parse(client.Stdout)!["clientVersion"]!);
        var serverMinor = Minor(JsonNode.Parse(both.Stdout)!["serverVersion"]!);
        Assert.Multiple(() =>
        {
            Assert.That(both.ExitCode, Is.Zero, both.Stderr);
            Assert.That(Math.Abs(serverMinor - clientMinor), Is.LessThanOrEqualTo(1), $"kubectl 1.{clientMinor} supports servers 1.{clientMinor - 1} to 1.{clientMinor + 1}");
            Assert.That(both.Stderr, Does.Not.Contain("version difference"));
        });
    }

    [Test]
    public async Task Version_ConfiguredRelease_Reported()
    {
        await _server.DisposeAsync();
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, KubernetesVersion = new Version(1, 31, 2) });
        _server.WriteKubeconfig(_kubectl.KubeconfigPath);

        var result = await _kubectl.RunAsync("version", "-o", "json");

        var server = JsonNode.Parse(result.Stdout)!["serverVersion"]!;
        Assert.Multiple(() =>
        {
            Assert.That(server["gitVersion"]!.GetValue<string>(), Is.EqualTo("v1.31.2-local"));
            Assert.That(server["minor"]!.GetValue<string>(), Is.EqualTo("31"));
        });
    }

    private static int Minor(JsonNode version) => int.Parse(version["minor"]!.GetValue<string>().TrimEnd('+'), System.Globalization.CultureInfo.InvariantCulture);

    private static string Decode(JsonNode base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64.GetValue<string>()));

    private static string Pod(string name, string labels) =>
        $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: apps\n  labels: {labels}\nspec:\n  serviceAccountName: web\n  nodeName: node-1\n  containers:\n  - name: app\n    image: registry.k8s.io/pause:3.10\n";
}
