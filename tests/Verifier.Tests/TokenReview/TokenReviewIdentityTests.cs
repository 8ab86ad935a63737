using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

public sealed class TokenReviewIdentityTests
{
    [Test]
    public void TryCreate_FullServiceAccountUser_EveryFieldMapped()
    {
        var user = new TokenReviewUser(
            "system:serviceaccount:shop:web",
            "sa-uid",
            ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"],
            new Dictionary<string, IReadOnlyList<string>>
            {
                [ServiceAccountIdentity.ExtraPodName] = ["web-0"],
                [ServiceAccountIdentity.ExtraPodUid] = ["pod-uid"],
                [ServiceAccountIdentity.ExtraNodeName] = ["node-1"],
                [ServiceAccountIdentity.ExtraNodeUid] = ["node-uid"],
                [ServiceAccountIdentity.ExtraCredentialId] = ["JTI=0d211b4a-65c2-4812-b0b1-4e3cb6729dc3"],
            });

        var identity = TokenReviewIdentity.TryCreate(user, ["api"], out var error);

        Assert.That(identity, Is.Not.Null, error);
        Assert.Multiple(() =>
        {
            Assert.That(identity!.Namespace, Is.EqualTo("shop"));
            Assert.That(identity.ServiceAccountName, Is.EqualTo("web"));
            Assert.That(identity.Username, Is.EqualTo(user.Username));
            Assert.That(identity.Uid, Is.EqualTo("sa-uid"));
            Assert.That(identity.PodName, Is.EqualTo("web-0"));
            Assert.That(identity.PodUid, Is.EqualTo("pod-uid"));
            Assert.That(identity.NodeName, Is.EqualTo("node-1"));
            Assert.That(identity.NodeUid, Is.EqualTo("node-uid"));
            Assert.That(identity.TokenId, Is.EqualTo("0d211b4a-65c2-4812-b0b1-4e3cb6729dc3"));
            Assert.That(identity.Audiences, Is.EqualTo(new[] { "api" }));
            Assert.That(identity.Groups, Is.EqualTo(user.Groups));
            Assert.That(identity.Extra, Is.EquivalentTo(user.Extra));
            Assert.That(identity.Issuer, Is.Null);
            Assert.That(identity.KeyId, Is.Null);
        });
    }

    [TestCase("system:serviceaccount:shop:web", "shop", "web")]
    [TestCase("system:serviceaccount:kube-system:default", "kube-system", "default")]
    public void TryCreate_ServiceAccountUsername_Parsed(string username, string expectedNamespace, string expectedName)
    {
        var identity = TokenReviewIdentity.TryCreate(User(username), [], out _);
        Assert.Multiple(() =>
        {
            Assert.That(identity?.Namespace, Is.EqualTo(expectedNamespace));
            Assert.That(identity?.ServiceAccountName, Is.EqualTo(expectedName));
        });
    }

    [TestCase("alice@example.com")]
    [TestCase("system:serviceaccount:shop")]
    [TestCase("system:serviceaccount:shop:")]
    [TestCase("system:serviceaccount::web")]
    [TestCase("system:serviceaccount:shop:web:extra")]
    [TestCase("system:node:node-1")]
    public void TryCreate_NotAServiceAccount_NullWithError(string username)
    {
        var identity = TokenReviewIdentity.TryCreate(User(username), [], out var error);
        Assert.Multiple(() =>
        {
            Assert.That(identity, Is.Null);
            Assert.That(error, Does.Contain("not a service account"));
        });
    }

    [Test]
    public void TryCreate_CredentialIdWithoutJtiPrefix_NoTokenId()
    {
        var user = new TokenReviewUser("system:serviceaccount:a:b", "u", [], new Dictionary<string, IReadOnlyList<string>>
        {
            [ServiceAccountIdentity.ExtraCredentialId] = ["X509SHA256=abc"],
        });
        Assert.That(TokenReviewIdentity.TryCreate(user, [], out _)!.TokenId, Is.Null);
    }

    private static TokenReviewUser User(string username) => new(username, "uid", [], TokenReviewOutcome.EmptyExtra);
}
