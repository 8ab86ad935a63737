using System.Security.Claims;
using NUnit.Framework;
using Verifier.AspNetCore.Authentication;

namespace Verifier.Tests.AspNetCore.Authentication;

public sealed class ServiceAccountClaimsIdentityTests
{
    [Test]
    public void Constructor_PodBoundIdentity_EveryClaimBelongsToItAndNamesTheTokenIssuer()
    {
        var identity = new ServiceAccountClaimsIdentity(TestIdentities.PodBound(), "Kubernetes");

        Assert.Multiple(() =>
        {
            Assert.That(identity.Name, Is.EqualTo("system:serviceaccount:token-demo:token-client-test"));
            Assert.That(identity.FindFirst(KubernetesClaimTypes.PodName)?.Value, Is.EqualTo("token-client-0"));
            Assert.That(identity.Claims.Count(), Is.GreaterThanOrEqualTo(10));
            foreach (var claim in identity.Claims)
            {
                Assert.That(claim.Subject, Is.SameAs(identity), claim.Type);
                Assert.That(claim.Issuer, Is.EqualTo(TestIdentities.Issuer), claim.Type);
                Assert.That(claim.OriginalIssuer, Is.EqualTo(TestIdentities.Issuer), claim.Type);
                Assert.That(claim.ValueType, Is.EqualTo(ClaimValueTypes.String), claim.Type);
            }
        });
    }

    [Test]
    public void Clone_KeepsTheMarkerTypeAndMovesTheClaimsToTheCopy()
    {
        var identity = new ServiceAccountClaimsIdentity(TestIdentities.PodBound(), "Kubernetes");

        var copy = identity.Clone();

        Assert.Multiple(() =>
        {
            Assert.That(copy, Is.TypeOf<ServiceAccountClaimsIdentity>());
            Assert.That(copy.Claims.Select(c => (c.Type, c.Value)), Is.EqualTo(identity.Claims.Select(c => (c.Type, c.Value))));
            Assert.That(copy.Claims.All(c => ReferenceEquals(c.Subject, copy)), Is.True);
        });
    }
}
