using System.Text.RegularExpressions;
using NUnit.Framework;
using TokenServer;
using YamlDotNet.RepresentationModel;
using static Verifier.Tests.Deploy.RenderedObjects;

namespace Verifier.Tests.Deploy;

/// <summary>
/// Every workload a kustomization deploys that calls the token server is one the server accepts: its token's service
/// account is in the server's <c>TokenServer:AllowedServiceAccounts</c> (else 403) and its audience is the server's
/// (else 401). The caller's identity is read from what the workload does: a TokenRequest URL in its script, the
/// TokenClient's <c>TokenRequest</c> settings, or its own projected token.
/// </summary>
public sealed partial class CallerAuthorizationTests
{
    public static IEnumerable<string> Kustomizations() => Kustomize.Directories();

    [TestCaseSource(nameof(Kustomizations))]
    public async Task Render_EveryCallerOfTheTokenServer_IsAllowedByIt(string directory)
    {
        var rendered = await Kustomize.RenderAsync(directory);
        var servers = Servers(rendered).ToList();
        Assert.That(servers, Is.Not.Empty, "no token server rendered");

        var calls = 0;
        Assert.Multiple(() =>
        {
            foreach (var workload in rendered.OfKind("Deployment").Concat(rendered.OfKind("Job")))
            {
                var what = $"{Str(workload, "kind")}/{Str(workload, "metadata", "name")}";
                var text = WorkloadText(workload);
                foreach (var server in servers.Where(s => text.Contains("http://" + s.Host, StringComparison.Ordinal)))
                {
                    calls++;
                    var caller = CallerOf(workload);
                    Assert.That(caller, Is.Not.Null, $"{what} calls {server.Host} but the test cannot tell with which token");
                    if (caller is null)
                    {
                        continue;
                    }

                    Assert.That(server.Allowed, Does.Contain(caller.ServiceAccount),
                        $"{what} calls {server.Host} as {caller.ServiceAccount} ({caller.Source}), which the server refuses with 403: add it to TokenServer__AllowedServiceAccounts");
                    Assert.That(caller.Audience, Is.EqualTo(server.Audience),
                        $"{what} calls {server.Host} with a token for audience {caller.Audience} ({caller.Source}): 401");
                }
            }
        });
        Assert.That(calls, Is.Positive, $"{directory}: no workload calls the token server");
    }

    private sealed record Server(string Host, IReadOnlyList<string> Allowed, string Audience);

    private sealed record Caller(string ServiceAccount, string Audience, string Source);

    /// <summary>Deployments running the token-server image, with the in-cluster host names of the Services in front of them.</summary>
    private static IEnumerable<Server> Servers(RenderedObjects rendered)
    {
        foreach (var deployment in rendered.OfKind("Deployment"))
        {
            var pod = At(deployment, "spec", "template", "spec");
            var container = Seq(pod, "containers").FirstOrDefault(c => Str(c, "image")?.StartsWith("token-server", StringComparison.Ordinal) == true);
            if (container is null)
            {
                continue;
            }

            var env = Env(container);
            var allowed = env.TryGetValue("TokenServer__AllowedServiceAccounts", out var list)
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : env.Where(e => e.Key.StartsWith("TokenServer__AllowedServiceAccounts__", StringComparison.Ordinal)).Select(e => e.Value).ToArray();
            if (allowed.Length == 0)
            {
                allowed = [.. FactorsServer.DefaultAllowedServiceAccounts];
            }

            var audience = env.GetValueOrDefault("TokenServer__Audience") ?? FactorsServer.DefaultAudience;
            var labels = At(deployment, "spec", "template", "metadata", "labels") as YamlMappingNode;
            foreach (var service in rendered.OfKind("Service"))
            {
                var selector = At(service, "spec", "selector") as YamlMappingNode;
                if (selector is not null && labels is not null && selector.Children.All(s => labels.Children.TryGetValue(s.Key, out var v) && v.Equals(s.Value)))
                {
                    yield return new Server($"{Str(service, "metadata", "name")}.{Str(service, "metadata", "namespace")}.svc:", allowed, audience);
                }
            }
        }
    }

    private static Caller? CallerOf(YamlMappingNode workload)
    {
        var pod = At(workload, "spec", "template", "spec");
        var ns = Str(workload, "metadata", "namespace")!;
        foreach (var container in Seq(pod, "containers"))
        {
            // A script that calls TokenRequest itself (the token-request overlay's Job): the account in the URL.
            var script = string.Join('\n', Scalars(container, "command").Concat(Scalars(container, "args")));
            if (TokenRequestUrl().Match(script) is { Success: true } url)
            {
                var audience = AudiencesInBody().Match(script);
                return new Caller($"{url.Groups[1].Value}/{url.Groups[2].Value}", audience.Success ? audience.Groups[1].Value : "(none)", "TokenRequest in its script");
            }

            var env = Env(container);
            if (env.TryGetValue("TokenClient__TokenRequest__ServiceAccountName", out var requested))
            {
                return new Caller(
                    $"{env.GetValueOrDefault("TokenClient__TokenRequest__Namespace") ?? ns}/{requested}",
                    env.GetValueOrDefault("TokenClient__TokenRequest__Audiences__0") ?? FactorsServer.DefaultAudience,
                    "TokenClient TokenRequest settings");
            }
        }

        // Its own projected token: the pod's service account, the volume's audience.
        foreach (var volume in Seq(pod, "volumes"))
        {
            foreach (var source in Seq(volume, "projected", "sources"))
            {
                if (At(source, "serviceAccountToken") is YamlMappingNode projected)
                {
                    return new Caller($"{ns}/{Str(pod, "serviceAccountName") ?? "default"}", Str(projected, "audience") ?? "(API audiences)", "projected token");
                }
            }
        }

        return null;
    }

    private static Dictionary<string, string> Env(YamlNode container) =>
        Seq(container, "env").Where(e => Str(e, "value") is not null).ToDictionary(e => Str(e, "name")!, e => Str(e, "value")!, StringComparer.Ordinal);

    private static string WorkloadText(YamlMappingNode workload)
    {
        var pod = At(workload, "spec", "template", "spec");
        return string.Join('\n', Seq(pod, "containers").SelectMany(c =>
            Scalars(c, "command").Concat(Scalars(c, "args")).Concat(Seq(c, "env").Select(e => Str(e, "value")))));
    }

    [GeneratedRegex(@"/api/v1/namespaces/([a-z0-9-]+)/serviceaccounts/([a-z0-9-]+)/token")]
    private static partial Regex TokenRequestUrl();

    [GeneratedRegex("\"audiences\":\\[\"([^\"]+)\"")]
    private static partial Regex AudiencesInBody();
}
