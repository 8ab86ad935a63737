using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.TokenReview;
using Verifier.Watch;

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
        ["reconnect-zero"] = o => o.Watch.ReconnectDelay = TimeSpan.Zero,
        ["reconnect-negative"] = o => o.Watch.ReconnectDelay = TimeSpan.FromSeconds(-1),
        ["max-lag"] = o => o.Watch.MaxLag = TimeSpan.Zero,
        ["max-reconnect"] = o => o.Watch.MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
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
    [TestCase("reconnect-zero", "Verifier:Watch:ReconnectDelay must be greater than zero")]
    [TestCase("reconnect-negative", "Verifier:Watch:ReconnectDelay must be greater than zero")]
    [TestCase("max-lag", "Verifier:Watch:MaxLag")]
    [TestCase("max-reconnect", "Verifier:Watch:MaxReconnectDelay")]
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

    [Test]
    public void Validate_ReconnectDelayZero_OneMessageNamingTheSettingAndTheDefault()
    {
        var options = new KubernetesTokenVerifierOptions { Mode = VerificationMode.Watch };
        options.Watch.ReconnectDelay = TimeSpan.Zero;
        options.Watch.MaxReconnectDelay = TimeSpan.Zero;

        var result = Validate(options);

        Assert.Multiple(() =>
        {
            Assert.That(result.Failures?.ToList(), Has.Count.EqualTo(1), "zero for both is one mistake, one message");
            Assert.That(result.Failures!.First(), Does.StartWith("Verifier:Watch:ReconnectDelay must be greater than zero (it is 00:00:00)")
                .And.Contain("tight loop").And.EndWith("the default is 00:00:01."));
        });
    }

    [Test]
    public void AddKubernetesTokenVerifier_WatchWithZeroReconnectDelay_FailsAtStart()
    {
        var services = new ServiceCollection();
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = ["api"];
            o.Mode = VerificationMode.Watch;
            o.ApiServer.Server = new Uri("https://127.0.0.1:6443");
            o.ApiServer.UseInCluster = false;
            o.Watch.ReconnectDelay = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();

        Assert.That(() => provider.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value,
            Throws.TypeOf<OptionsValidationException>().With.Message.Contains("Verifier:Watch:ReconnectDelay must be greater than zero"));
    }

    /// <summary>Every mode feature's validator, combined as the options system combines them.</summary>
    private static ValidateOptionsResult Validate(KubernetesTokenVerifierOptions options)
    {
        IValidateOptions<KubernetesTokenVerifierOptions>[] validators = [new TokenReviewOptionsValidator(), new HybridOptionsValidator(), new ShadowOptionsValidator(), new WatchOptionsValidator()];
        var failures = validators.Select(v => v.Validate(null, options)).Where(r => r.Failed).SelectMany(r => r.Failures!).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
