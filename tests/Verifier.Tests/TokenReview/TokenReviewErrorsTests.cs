using NUnit.Framework;
using Verifier.TokenReview;

namespace Verifier.Tests.TokenReview;

public sealed class TokenReviewErrorsTests
{
    // Texts from kube-apiserver (docs/kube-apiserver.md §4 steps 4-9 and §6), wrapped as the token union reports them.
    [TestCase("[invalid bearer token, service account token has been invalidated]", true)]
    [TestCase("[invalid bearer token, Token has been invalidated]", true)]
    [TestCase("[invalid bearer token, pod UID (1111) does not match service account pod ref claim (2222)]", true)]
    [TestCase("[invalid bearer token, secret UID (1111) does not match service account secret ref claim (2222)]", true)]
    [TestCase("[invalid bearer token, node UID (1111) does not match service account node ref claim (2222)]", true)]
    [TestCase("[invalid bearer token, service account UID (1111) does not match claim (2222)]", true)]
    [TestCase("[invalid bearer token, ServiceAccount UID (1111) does not match claim (2222)]", true)]
    [TestCase("[invalid bearer token, service account default/web has been deleted]", true)]
    [TestCase("[invalid bearer token, serviceaccounts \"web\" not found]", true)]
    [TestCase("[invalid bearer token, Token does not match server's copy]", true)]
    [TestCase("[invalid bearer token, the token in secret default/t for service account default/sa has been marked invalid. Use tokens from the TokenRequest API]", true)]
    [TestCase("[invalid bearer token, service account token has expired]", false)]
    [TestCase("[invalid bearer token, service account token is not valid yet]", false)]
    [TestCase("[invalid bearer token, token audiences [\"other\"] is invalid for the target audiences [\"api\"]]", false)]
    [TestCase("[invalid bearer token, square/go-jose: error in cryptographic primitive]", false)]
    [TestCase("[invalid bearer token, invalid signature, no keys found]", false)]
    [TestCase("invalid bearer token", false)]
    [TestCase("", false)]
    [TestCase(null, false)]
    public void IsBindingInvalidation_ApiServerText_Classified(string? error, bool expected) =>
        Assert.That(TokenReviewErrors.IsBindingInvalidation(error), Is.EqualTo(expected));
}
