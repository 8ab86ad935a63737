using Microsoft.Extensions.Options;
using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.TokenReview;

namespace Verifier.Tests;

public sealed class ModeOptionsValidatorsTests
{
    private static readonly Dictionary<string, Action<KubernetesTokenVerifierOptions>> Breakers = new()
    {
        ["timeout"] = o => o.TokenReview.Timeout = TimeSpan.Zero,
        ["concurrency"] = o => o.TokenReview.MaxConcurrency = 0,
        ["retries"] = o => o.TokenReview.MaxRetries = -1,
        ["threshold"] = o => o.TokenReview.BreakerFailureThreshold = 0,
        ["success-ttl"] = o => o.TokenReview.SuccessTtl = TimeSpan.FromSeconds(-1),
        ["liveness"] = o => o.Hybrid.LivenessTtl = TimeSpan.FromSeconds(-1),
        ["bindings"] = o => o.Hybrid.MaxBindings = 0,
        ["shadow-same"] = o => { o.Mode = VerificationMode.Shadow; o.Shadow.Primary = o.Shadow.Secondary = VerificationMode.Local; },
        ["shadow-nested"] = o => { o.Mode = VerificationMode.Shadow; o.Shadow.Secondary = VerificationMode.Shadow; },
        ["shadow-rate"] = o => { o.Mode = VerificationMode.Shadow; o.Shadow.SampleRate = 1.5; },
    };

    [Test]
    public void Validate_Defaults_Succeed() =>
        Assert.That(Validate(new KubernetesTokenVerifierOptions { Mode = VerificationMode.Shadow }).Succeeded, Is.True);

    [TestCase("timeout", "Verifier:TokenReview:Timeout")]
    [TestCase("concurrency", "Verifier:TokenReview:MaxConcurrency")]
    [TestCase("retries", "Verifier:TokenReview:MaxRetries")]
    [TestCase("threshold", "Verifier:TokenReview:BreakerFailureThreshold")]
    [TestCase("success-ttl", "Verifier:TokenReview:SuccessTtl")]
    [TestCase("liveness", "Verifier:Hybrid:LivenessTtl")]
    [TestCase("bindings", "Verifier:Hybrid:MaxBindings")]
    [TestCase("shadow-same", "compare two different modes")]
    [TestCase("shadow-nested", "not Shadow")]
    [TestCase("shadow-rate", "Verifier:Shadow:SampleRate")]
    public void Validate_BadSetting_FailsNamingIt(string breaker, string expected)
    {
        var options = new KubernetesTokenVerifierOptions();
        Breakers[breaker](options);
        var result = Validate(options);
        Assert.Multiple(() =>
        {
            Assert.That(result.Failed, Is.True);
            Assert.That(result.FailureMessage, Does.Contain(expected));
        });
    }

    /// <summary>Every mode feature's validator, combined as the options system combines them.</summary>
    private static ValidateOptionsResult Validate(KubernetesTokenVerifierOptions options)
    {
        IValidateOptions<KubernetesTokenVerifierOptions>[] validators = [new TokenReviewOptionsValidator(), new HybridOptionsValidator(), new ShadowOptionsValidator()];
        var failures = validators.Select(v => v.Validate(null, options)).Where(r => r.Failed).SelectMany(r => r.Failures!).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
