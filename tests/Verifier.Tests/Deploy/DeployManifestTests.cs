using System.Collections.Concurrent;
using NUnit.Framework;
using YamlDotNet.RepresentationModel;
using static Verifier.Tests.Deploy.RenderedObjects;

namespace Verifier.Tests.Deploy;

/// <summary>
/// The rendered manifests (real <c>kubectl kustomize</c>) against what the example needs and what the samples expect.
/// </summary>
/// <remarks>
/// The sample values are asserted as literals on purpose, not through a shared constants class: the library must not
/// carry demo constants. They are the samples' contract: TokenServer serves <c>GET /factors/{n}</c> on port 8080 for
/// audience <c>factors</c> with readiness on <c>/healthz/ready</c>; TokenClient reads <c>TokenClient:TokenPath</c>
/// (default <c>/var/run/secrets/tokens/factor-token</c>) and calls <c>TokenClient:ServerUrl</c> (default
/// <c>http://token-server.token-demo.svc:8080</c>).
/// </remarks>
public sealed class DeployManifestTests
{
    private const string Namespace = "token-demo";
    private const string Audience = "factors";
    private const string TokenMountPath = "/var/run/secrets/tokens";
    private const string TokenFileName = "factor-token";
    private const string ClientTokenPath = "/var/run/secrets/tokens/factor-token";
    private const string ServerUrl = "http://token-server.token-demo.svc:8080";
    private const int ServerPort = 8080;
    private const string ReadinessPath = "/healthz/ready";

    private static readonly ConcurrentDictionary<string, Task<RenderedObjects>> Rendered = new(StringComparer.Ordinal);

    public static IEnumerable<string> Kustomizations() => Kustomize.Directories();

    private static Task<RenderedObjects> Render(string directory) => Rendered.GetOrAdd(directory, Kustomize.RenderAsync);

    [Test]
    public void Kustomizations_BaseAndTokenRequestOverlay_Present()
    {
        Assert.That(Kustomizations(), Is.SupersetOf(new[] { "deploy/base", "deploy/overlays/token-request" }));
    }

    [TestCaseSource(nameof(Kustomizations))]
    public async Task Render_EveryKustomization_AllNamespacedObjectsInTokenDemo(string directory)
    {
        var rendered = await Render(directory);

        Assert.Multiple(() =>
        {
            Assert.That(rendered.All, Is.Not.Empty);
            foreach (var item in rendered.All)
            {
                var kind = Str(item, "kind");
                if (kind is "Namespace" or "ClusterRoleBinding" or "ClusterRole")
                {
                    continue;
                }

                Assert.That(Str(item, "metadata", "namespace"), Is.EqualTo(Namespace), $"{kind}/{Str(item, "metadata", "name")}");
            }
        });
    }

    [TestCaseSource(nameof(Kustomizations))]
    public async Task Render_EveryPod_NonRootReadOnlyNoEscalationNoCapabilitiesWithResources(string directory)
    {
        var rendered = await Render(directory);
        var templates = rendered.OfKind("Deployment").Concat(rendered.OfKind("Job")).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(templates, Is.Not.Empty);
            foreach (var owner in templates)
            {
                var pod = At(owner, "spec", "template", "spec");
                var what = $"{Str(owner, "kind")}/{Str(owner, "metadata", "name")}";
                Assert.That(Str(pod, "securityContext", "runAsNonRoot"), Is.EqualTo("true"), what);
                Assert.That(Str(pod, "securityContext", "seccompProfile", "type"), Is.EqualTo("RuntimeDefault"), what);
                foreach (var container in Seq(pod, "containers"))
                {
                    var where = what + " container " + Str(container, "name");
                    Assert.That(Str(container, "securityContext", "allowPrivilegeEscalation"), Is.EqualTo("false"), where);
                    Assert.That(Str(container, "securityContext", "readOnlyRootFilesystem"), Is.EqualTo("true"), where);
                    Assert.That(Scalars(container, "securityContext", "capabilities", "drop"), Is.EqualTo(new[] { "ALL" }), where);
                    foreach (var bound in new[] { "requests", "limits" })
                    {
                        foreach (var resource in new[] { "cpu", "memory" })
                        {
                            Assert.That(Str(container, "resources", bound, resource), Is.Not.Null.And.Not.Empty, $"{where} {bound}.{resource}");
                        }
                    }
                }
            }
        });
    }

    [Test]
    public async Task Base_Client_ProjectedTokenForFactorsAtTheSamplesPath()
    {
        var rendered = await Render("deploy/base");
        var client = rendered.Get("Deployment", "token-client");
        var pod = At(client, "spec", "template", "spec");
        var volume = Named(pod, TokenFileName, "volumes");
        var projection = Seq(volume, "projected", "sources").Select(s => At(s, "serviceAccountToken")).OfType<YamlMappingNode>().Single();
        var container = Named(pod, "token-client", "containers");
        var mount = Named(container, TokenFileName, "volumeMounts");

        Assert.Multiple(() =>
        {
            Assert.That(rendered.Get("Namespace", Namespace), Is.Not.Null);
            Assert.That(Str(rendered.Get("ServiceAccount", "token-client-test"), "metadata", "namespace"), Is.EqualTo(Namespace));
            Assert.That(Str(pod, "serviceAccountName"), Is.EqualTo("token-client-test"));
            Assert.That(Str(projection, "audience"), Is.EqualTo(Audience));
            Assert.That(Str(projection, "expirationSeconds"), Is.EqualTo("600"));
            Assert.That(Str(projection, "path"), Is.EqualTo(TokenFileName));
            Assert.That(Str(mount, "mountPath"), Is.EqualTo(TokenMountPath));
            Assert.That(Str(mount, "readOnly"), Is.EqualTo("true"));

            // The file the kubelet writes is exactly the file the client reads.
            Assert.That(Str(mount, "mountPath") + "/" + Str(projection, "path"), Is.EqualTo(ClientTokenPath));
            Assert.That(Str(Named(container, "TokenClient__TokenPath", "env"), "value"), Is.EqualTo(ClientTokenPath));
            Assert.That(Str(Named(container, "TokenClient__ServerUrl", "env"), "value"), Is.EqualTo(ServerUrl));
        });
    }

    [Test]
    public async Task Base_ServerUrl_PointsAtTheServerServiceAndPort()
    {
        var rendered = await Render("deploy/base");
        var url = new Uri(ServerUrl);
        var hostParts = url.Host.Split('.');
        var service = rendered.Get("Service", hostParts[0]);
        var servicePort = Seq(service, "spec", "ports").Single();
        var server = rendered.Get("Deployment", "token-server");
        var container = Named(At(server, "spec", "template", "spec"), "token-server", "containers");
        var containerPort = Seq(container, "ports").Single();

        Assert.Multiple(() =>
        {
            Assert.That(hostParts[1], Is.EqualTo(Str(service, "metadata", "namespace")));
            Assert.That(hostParts[2], Is.EqualTo("svc"));
            Assert.That(Str(servicePort, "port"), Is.EqualTo(url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(Str(servicePort, "targetPort"), Is.EqualTo(Str(containerPort, "name")));
            Assert.That(Str(containerPort, "containerPort"), Is.EqualTo(ServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(Str(Named(container, "ASPNETCORE_HTTP_PORTS", "env"), "value"), Is.EqualTo("8080"));

            // The Service selects the server's pods.
            var selector = (YamlMappingNode)At(service, "spec", "selector")!;
            var podLabels = (YamlMappingNode)At(server, "spec", "template", "metadata", "labels")!;
            foreach (var (key, value) in selector.Children)
            {
                Assert.That(podLabels.Children.TryGetValue(key, out var label) ? ((YamlScalarNode)label).Value : null, Is.EqualTo(((YamlScalarNode)value).Value));
            }
        });
    }

    [Test]
    public async Task Base_Server_ReviewerIdentityReadinessAndAudience()
    {
        var rendered = await Render("deploy/base");
        var pod = At(rendered.Get("Deployment", "token-server"), "spec", "template", "spec");
        var container = Named(pod, "token-server", "containers");

        Assert.Multiple(() =>
        {
            Assert.That(Str(pod, "serviceAccountName"), Is.EqualTo("token-reviewer"));
            Assert.That(Str(pod, "automountServiceAccountToken"), Is.Not.EqualTo("false"), "the verifier calls the API server with its in-cluster token");
            Assert.That(Str(container, "readinessProbe", "httpGet", "path"), Is.EqualTo(ReadinessPath));
            Assert.That(Str(container, "readinessProbe", "httpGet", "port"), Is.EqualTo("http"));
            Assert.That(Str(Named(container, "http", "ports"), "containerPort"), Is.EqualTo("8080"));
            Assert.That(Str(Named(container, "Verifier__Audiences__0", "env"), "value"), Is.EqualTo(Audience));
        });
    }

    [TestCase("system:auth-delegator")]
    [TestCase("system:service-account-issuer-discovery")]
    public async Task Base_TokenReviewer_BoundToClusterRole(string clusterRole)
    {
        var rendered = await Render("deploy/base");

        var binding = rendered.OfKind("ClusterRoleBinding").SingleOrDefault(b => Str(b, "roleRef", "name") == clusterRole);

        Assert.That(binding, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(Str(binding, "roleRef", "kind"), Is.EqualTo("ClusterRole"));
            var subject = Seq(binding, "subjects").Single();
            Assert.That(Str(subject, "kind"), Is.EqualTo("ServiceAccount"));
            Assert.That(Str(subject, "name"), Is.EqualTo("token-reviewer"));
            Assert.That(Str(subject, "namespace"), Is.EqualTo(Namespace));
        });
    }

    [Test]
    public async Task Base_Client_NoApiToken()
    {
        var rendered = await Render("deploy/base");

        Assert.Multiple(() =>
        {
            Assert.That(Str(rendered.Get("ServiceAccount", "token-client-test"), "automountServiceAccountToken"), Is.EqualTo("false"));
            Assert.That(Str(rendered.Get("Deployment", "token-client"), "spec", "template", "spec", "automountServiceAccountToken"), Is.EqualTo("false"));
        });
    }

    [Test]
    public async Task TokenRequest_Requester_MayOnlyCreateTokensForPodViewer()
    {
        var rendered = await Render("deploy/overlays/token-request");
        var role = rendered.Get("Role", "token-requester");
        var rule = Seq(role, "rules").Single();
        var binding = rendered.Get("RoleBinding", "token-requester");
        var subject = Seq(binding, "subjects").Single();

        Assert.Multiple(() =>
        {
            Assert.That(Scalars(rule, "apiGroups"), Is.EqualTo(new[] { "" }));
            Assert.That(Scalars(rule, "resources"), Is.EqualTo(new[] { "serviceaccounts/token" }));
            Assert.That(Scalars(rule, "verbs"), Is.EqualTo(new[] { "create" }));
            Assert.That(Scalars(rule, "resourceNames"), Is.EqualTo(new[] { "pod-viewer" }));
            Assert.That(Str(binding, "roleRef", "kind"), Is.EqualTo("Role"));
            Assert.That(Str(binding, "roleRef", "name"), Is.EqualTo("token-requester"));
            Assert.That(Str(subject, "kind"), Is.EqualTo("ServiceAccount"));
            Assert.That(Str(subject, "name"), Is.EqualTo("token-requester"));
            Assert.That(Str(subject, "namespace"), Is.EqualTo(Namespace));
            Assert.That(rendered.OfKind("ClusterRoleBinding").Select(b => Seq(b, "subjects").Select(s => Str(s, "name"))).SelectMany(n => n),
                Has.None.EqualTo("token-requester"), "no cluster-wide grant");
        });
    }

    [Test]
    public async Task TokenRequest_PodViewer_NoAutomountedToken()
    {
        var rendered = await Render("deploy/overlays/token-request");

        Assert.That(Str(rendered.Get("ServiceAccount", "pod-viewer"), "automountServiceAccountToken"), Is.EqualTo("false"));
    }

    [Test]
    public async Task TokenRequest_Job_RequestsFactorsTokenForPodViewerAndCallsServer()
    {
        var rendered = await Render("deploy/overlays/token-request");
        var pod = At(rendered.Get("Job", "token-requester"), "spec", "template", "spec");
        var script = string.Join('\n', Scalars(Seq(pod, "containers").Single(), "args"));

        Assert.Multiple(() =>
        {
            Assert.That(Str(pod, "serviceAccountName"), Is.EqualTo("token-requester"));
            Assert.That(script, Does.Contain("/api/v1/namespaces/token-demo/serviceaccounts/pod-viewer/token"));
            Assert.That(script, Does.Contain("\"audiences\":[\"factors\"]").And.Contain("\"expirationSeconds\":600"));
            Assert.That(script, Does.Contain(ServerUrl + "/factors/"));
        });
    }

    [Test]
    public async Task TokenRequest_Overlay_KeepsTheWholeBase()
    {
        var baseObjects = (await Render("deploy/base")).All.Select(Identity).ToList();
        var overlayObjects = (await Render("deploy/overlays/token-request")).All.Select(Identity).ToList();

        Assert.That(overlayObjects, Is.SupersetOf(baseObjects));
    }

    private static string Identity(YamlMappingNode item) => $"{Str(item, "kind")}/{Str(item, "metadata", "namespace")}/{Str(item, "metadata", "name")}";
}
