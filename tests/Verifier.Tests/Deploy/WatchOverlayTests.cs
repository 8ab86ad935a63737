using NUnit.Framework;
using static Verifier.Tests.Deploy.RenderedObjects;

namespace Verifier.Tests.Deploy;

/// <summary>deploy/overlays/watch rendered with real <c>kubectl kustomize</c>: watch mode and exactly the RBAC it needs.</summary>
public sealed class WatchOverlayTests
{
    private const string Overlay = "deploy/overlays/watch";

    [Test]
    public async Task Watch_TokenServer_RunsInWatchModeAsTokenReviewer()
    {
        var rendered = await Kustomize.RenderAsync(Overlay);
        var pod = At(rendered.Get("Deployment", "token-server"), "spec", "template", "spec");
        var container = Named(pod, "token-server", "containers");

        Assert.Multiple(() =>
        {
            Assert.That(Str(pod, "serviceAccountName"), Is.EqualTo("token-reviewer"));
            Assert.That(Str(Named(container, "Verifier__Mode", "env"), "value"), Is.EqualTo("Watch"));
            Assert.That(Str(Named(container, "Verifier__Audiences__0", "env"), "value"), Is.EqualTo("factors"), "the base's settings are kept");
        });
    }

    [Test]
    public async Task Watch_Rbac_ListAndWatchOnTheFourKindsOnly_BoundToTheTokenReviewer()
    {
        var rendered = await Kustomize.RenderAsync(Overlay);
        var rule = Seq(rendered.Get("ClusterRole", "token-demo-token-reviewer-watch"), "rules").Single();
        var binding = rendered.Get("ClusterRoleBinding", "token-demo-token-reviewer-watch");
        var subject = Seq(binding, "subjects").Single();

        Assert.Multiple(() =>
        {
            Assert.That(Scalars(rule, "apiGroups"), Is.EqualTo(new[] { "" }));
            Assert.That(Scalars(rule, "resources"), Is.EquivalentTo(new[] { "pods", "serviceaccounts", "secrets", "nodes" }));
            Assert.That(Scalars(rule, "verbs"), Is.EquivalentTo(new[] { "list", "watch" }), "no get, no writes");
            Assert.That(Str(binding, "roleRef", "name"), Is.EqualTo("token-demo-token-reviewer-watch"));
            Assert.That(Str(subject, "kind"), Is.EqualTo("ServiceAccount"));
            Assert.That(Str(subject, "name"), Is.EqualTo("token-reviewer"));
            Assert.That(Str(subject, "namespace"), Is.EqualTo("token-demo"));
            Assert.That(rendered.Get("ClusterRoleBinding", "token-demo-token-reviewer-auth-delegator"), Is.Not.Null, "TokenReview stays the fallback");
        });
    }
}
