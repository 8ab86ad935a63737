using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>LocalApiServer driven by a client nobody here wrote: the real kubectl, through the kubeconfig the server writes.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubectlTests
{
    private LocalApiServer _server = null!;
    private Kubectl _kubectl = null!;

    [SetUp]
    public async Task SetUp()
    {
        Assert.That(Kubectl.Executable, Is.Not.Null, "kubectl must be on PATH (.ci/run installs Debian's kubernetes-client)");
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa });
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
    public async Task CreateToken_AudienceAndDuration_PrintsTokenTheServerAuthenticates()
    {
        var result = await _kubectl.RunAsync("create", "token", "web", "-n", "apps", "--audience", "factors", "--duration", "10m");

        var token = result.Stdout.Trim();
        var payload = Payload(token);
        var review = _server.ReviewToken(token, ["factors"]);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(payload["aud"]!.ToJsonString(), Is.EqualTo("[\"factors\"]"));
            Assert.That(payload["exp"]!.GetValue<long>() - payload["iat"]!.GetValue<long>(), Is.EqualTo(600));
            Assert.That(review.Authenticated, Is.True);
            Assert.That(review.Username, Is.EqualTo("system:serviceaccount:apps:web"));
            Assert.That(review.Audiences, Is.EqualTo(new[] { "factors" }));
        });
    }

    [Test]
    public async Task CreateToken_BoundToPod_CarriesPodAndNodeClaims()
    {
        _server.CreateNode("node-1");
        var podUid = _server.CreatePod("apps", "web-0", "web", "node-1");

        var result = await _kubectl.RunAsync("create", "token", "web", "-n", "apps", "--audience", "factors", "--duration", "10m", "--bound-object-kind", "Pod", "--bound-object-name", "web-0");

        var token = result.Stdout.Trim();
        var k8s = Payload(token)["kubernetes.io"]!;
        var review = _server.ReviewToken(token, ["factors"]);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(k8s["pod"]!["uid"]!.GetValue<string>(), Is.EqualTo(podUid));
            Assert.That(k8s["node"]!["uid"]!.GetValue<string>(), Is.EqualTo(_server.GetNodeUid("node-1")));
            Assert.That(review.Extra["authentication.kubernetes.io/pod-uid"], Is.EqualTo(new[] { podUid }));
            Assert.That(review.Extra["authentication.kubernetes.io/node-name"], Is.EqualTo(new[] { "node-1" }));
        });
    }

    [TestCase("--duration", "5m", "error: failed to create token: TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes")]
    [TestCase("--bound-object-kind", "Pod", "error: failed to create token: pods \"missing\" not found")]
    public async Task CreateToken_Refused_PrintsTheApiServerMessage(string flag, string value, string expected)
    {
        var args = new List<string> { "create", "token", "web", "-n", "apps", flag, value };
        if (flag == "--bound-object-kind")
        {
            args.AddRange(["--bound-object-name", "missing"]);
        }

        var result = await _kubectl.RunAsync([.. args]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.Stderr.Trim(), Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task CreateToken_AsServiceAccountWithoutRole_PrintsTheRealForbiddenMessage()
    {
        _server.CreateServiceAccount("apps", "client");
        _server.WriteKubeconfig(_kubectl.KubeconfigPath, _server.IssueToken("apps", "client"));

        var denied = await _kubectl.RunAsync("create", "token", "web", "-n", "apps");
        _server.GrantClusterRole(LocalApiServerRoles.TokenCreator, "apps", "client");
        var allowed = await _kubectl.RunAsync("create", "token", "web", "-n", "apps");

        Assert.Multiple(() =>
        {
            Assert.That(denied.ExitCode, Is.Not.Zero);
            Assert.That(denied.Stderr.Trim(), Is.EqualTo(
                "error: failed to create token: serviceaccounts \"web\" is forbidden: User \"system:serviceaccount:apps:client\" cannot create resource \"serviceaccounts/token\" in API group \"\" in the namespace \"apps\""));
            Assert.That(allowed.ExitCode, Is.Zero, allowed.Stderr);
            Assert.That(_server.ReviewToken(allowed.Stdout.Trim()).Authenticated, Is.True);
        });
    }

    [Test]
    public async Task CreateToken_LongerThanMaximum_KubectlShowsTheClampWarning()
    {
        await _server.DisposeAsync();
        _server = await LocalApiServer.StartAsync(new LocalApiServerOptions { SigningKey = KubeTokens.Rsa, MaxTokenExpiration = TimeSpan.FromHours(2) });
        _server.WriteKubeconfig(_kubectl.KubeconfigPath);
        _server.CreateServiceAccount("apps", "web");

        var result = await _kubectl.RunAsync("create", "token", "web", "-n", "apps", "--duration", "10h");

        var payload = Payload(result.Stdout.Trim());
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(result.Stderr.Trim(), Is.EqualTo("Warning: requested expiration of 36000 seconds shortened to 7200 seconds"));
            Assert.That(payload["exp"]!.GetValue<long>() - payload["iat"]!.GetValue<long>(), Is.EqualTo(7200));
        });
    }

    [Test]
    public async Task GetRaw_Discovery_PrintsTheServedBytes()
    {
        var result = await _kubectl.RunAsync("get", "--raw", "/.well-known/openid-configuration");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(result.Stdout.TrimEnd('\n'), Is.EqualTo(_server.DiscoveryJson));
            Assert.That(JsonNode.Parse(result.Stdout)!["jwks_uri"]!.GetValue<string>(), Is.EqualTo($"https://127.0.0.1:{_server.Port}/openid/v1/jwks"));
        });
    }

    [Test]
    public async Task GetRaw_Jwks_ListsTheSigningKey()
    {
        var result = await _kubectl.RunAsync("get", "--raw", "/openid/v1/jwks");

        var key = JsonNode.Parse(result.Stdout)!["keys"]![0]!;
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(key["kid"]!.GetValue<string>(), Is.EqualTo(_server.SigningKey.KeyId));
            Assert.That(key["alg"]!.GetValue<string>(), Is.EqualTo("RS256"));
            Assert.That(key["use"]!.GetValue<string>(), Is.EqualTo("sig"));
        });
    }

    [Test]
    public async Task CreateTokenReview_FromFile_PrintsTheReview()
    {
        var token = _server.IssueToken("apps", "web", ["factors"]);
        var valid = _kubectl.WriteFile("valid.json", TokenReviewJson(token, "factors"));
        var wrongAudience = _kubectl.WriteFile("wrong.json", TokenReviewJson(token, "vault"));

        var ok = await _kubectl.RunAsync("create", "-f", valid, "-o", "json");
        var refused = await _kubectl.RunAsync("create", "-f", wrongAudience, "-o", "json");

        var okStatus = JsonNode.Parse(ok.Stdout)!["status"]!;
        var refusedStatus = JsonNode.Parse(refused.Stdout)!["status"]!;
        Assert.Multiple(() =>
        {
            Assert.That(ok.ExitCode, Is.Zero, ok.Stderr);
            Assert.That(okStatus["authenticated"]!.GetValue<bool>(), Is.True);
            Assert.That(okStatus["user"]!["username"]!.GetValue<string>(), Is.EqualTo("system:serviceaccount:apps:web"));
            Assert.That(okStatus["audiences"]!.ToJsonString(), Is.EqualTo("[\"factors\"]"));
            Assert.That(refused.ExitCode, Is.Zero, refused.Stderr);
            Assert.That(refusedStatus["authenticated"], Is.Null);
            Assert.That(refusedStatus["error"]!.GetValue<string>(), Is.EqualTo("[invalid bearer token, token audiences [\"factors\"] is invalid for the target audiences [\"vault\"]]"));
        });
    }

    [Test]
    public async Task GetPods_InNamespace_ListsThePods()
    {
        var uid = _server.CreatePod("apps", "web-0", "web", "node-1");
        _server.CreatePod("apps", "web-1", "web", "node-1");
        _server.CreatePod("other", "elsewhere");

        var json = await _kubectl.RunAsync("get", "pods", "-n", "apps", "-o", "json");
        var table = await _kubectl.RunAsync("get", "pods", "-n", "apps");

        var items = JsonNode.Parse(json.Stdout)!["items"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(json.ExitCode, Is.Zero, json.Stderr);
            Assert.That(items.Select(i => i!["metadata"]!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "web-0", "web-1" }));
            Assert.That(items[0]!["metadata"]!["uid"]!.GetValue<string>(), Is.EqualTo(uid));
            Assert.That(items[0]!["spec"]!["serviceAccountName"]!.GetValue<string>(), Is.EqualTo("web"));
            Assert.That(table.ExitCode, Is.Zero, table.Stderr);
            Assert.That(table.Stdout.Split('\n')[0], Does.Match("^NAME +READY +STATUS +RESTARTS +AGE$"));
            // The system clock: on a busy machine a second passes between creating the pods and this kubectl run.
            Assert.That(table.Stdout, Does.Match("\nweb-0 +1/1 +Running +0 +[0-9]+s\n").And.Contain("web-1").And.Not.Contain("elsewhere"));
        });
    }

    [Test]
    public async Task DeletePod_Graceful_WaitsForFinalizationAndTheBoundTokenDies()
    {
        // On a node that exists: a pod on a missing node would be garbage-collected at once.
        _server.CreateNode("node-1");
        _server.CreatePod("apps", "web-0", "web", "node-1");
        var token = _server.IssueToken("apps", "web", ["factors"], boundObject: BoundObjectRef.Pod("web-0"));

        using var process = _kubectl.Start("delete", "pod", "web-0", "-n", "apps");
        await Eventually.WaitUntil(() => _server.GetPodDeletionTimestamp("apps", "web-0") is not null, "kubectl issues the DELETE");
        var stillValid = _server.ReviewToken(token, ["factors"]).Authenticated;
        _server.FinalizeDeletions();
        var result = await Kubectl.WaitAsync(process, TimeSpan.FromSeconds(60));
        var after = _server.ReviewToken(token, ["factors"]);

        Assert.Multiple(() =>
        {
            Assert.That(stillValid, Is.True, "within the grace period the token stays valid");
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);
            Assert.That(result.Stdout.Trim(), Is.EqualTo("pod \"web-0\" deleted"));
            Assert.That(_server.GetPodUid("apps", "web-0"), Is.Null);
            Assert.That(after.Error, Is.EqualTo("[invalid bearer token, service account token has been invalidated]"));
        });
    }

    [TestCase("wide")]
    [TestCase("name")]
    public async Task GetPods_Watch_PrintsTheListThenEachChange(string output)
    {
        _server.CreatePod("apps", "web-0", "web");
        using var process = _kubectl.Start("get", "pods", "-n", "apps", "--watch", "-o", output);
        try
        {
            await ReadUntilAsync(process, "web-0");
            await Eventually.WaitUntil(() => _server.OpenWatchCount == 1, "kubectl's watch open");
            _server.CreatePod("apps", "web-1", "web");
            var line = await ReadUntilAsync(process, "web-1");

            Assert.That(line, Does.Contain("web-1"));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<string> ReadUntilAsync(System.Diagnostics.Process process, string text)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(cts.Token);
            if (line is null)
            {
                Assert.Fail($"kubectl ended before printing {text}: {await process.StandardError.ReadToEndAsync(cts.Token)}");
            }

            if (line!.Contains(text, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    [Test]
    public async Task DeletePod_Missing_PrintsNotFound()
    {
        var result = await _kubectl.RunAsync("delete", "pod", "ghost", "-n", "apps");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.Stderr.Trim(), Is.EqualTo("Error from server (NotFound): pods \"ghost\" not found"));
        });
    }

    private static string TokenReviewJson(string token, string audience) =>
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token + "\",\"audiences\":[\"" + audience + "\"]}}";

    private static JsonNode Payload(string token) => JwtParts.Payload(token);
}
