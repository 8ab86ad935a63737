using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.Hybrid;
using Verifier.Shadow;
using Verifier.Testing;
using Verifier.Keys;
using Verifier.Tests.Keys;
using Verifier.Tests.TestKit;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;
using Verifier.Validation;

namespace Verifier.Tests;

/// <summary>The one file that picks a mode: which strategy each mode gets inside the one <see cref="TokenVerifier"/>.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class VerificationModeSelectionTests
{
    private static readonly Uri ApiServer = new("https://127.0.0.1:6443");

    private int _keySourcesCreated;

    [TestCase(VerificationMode.Local, typeof(LocalVerification), 1)]
    [TestCase(VerificationMode.TokenReview, typeof(TokenReviewVerification), 0)]
    [TestCase(VerificationMode.Hybrid, typeof(HybridVerification), 1)]
    [TestCase(VerificationMode.Shadow, typeof(ShadowVerification), 1)]
    public void CreateVerifier_Mode_BuildsThatStrategyAndKeysOnlyWhenNeeded(VerificationMode mode, Type expected, int keySources)
    {
        using var provider = Registered(o => o.Mode = mode, countKeySources: true);
        var verifier = provider.GetRequiredService<IServiceAccountTokenVerifier>();
        Assert.Multiple(() =>
        {
            Assert.That(verifier, Is.InstanceOf<TokenVerifier>(), "every mode goes through the one verifier");
            Assert.That(((TokenVerifier)verifier).Strategy, Is.InstanceOf(expected));
            Assert.That(_keySourcesCreated, Is.EqualTo(keySources), "TokenReview mode never builds (or waits for) the key store");
            Assert.That(verifier.GetStatus().Mode, Is.EqualTo(mode));
        });
    }

    [TestCase(VerificationMode.TokenReview)]
    [TestCase(VerificationMode.Hybrid)]
    [TestCase(VerificationMode.Shadow)]
    public void CreateVerifier_ApiServerModeWithoutApiServer_ThrowsWithFix(VerificationMode mode)
    {
        using var provider = Registered(o => { o.Mode = mode; o.ApiServer.Server = null; }, validate: false);
        Assert.That(() => VerificationModeSelection.CreateVerifier(provider),
            Throws.InvalidOperationException.With.Message.Contains("no API server is configured").And.Message.Contains("Verifier:ApiServer:Server"));
    }

    [Test]
    public void CreateVerifier_ShadowOfLocalAndHybridWithoutApiServer_Throws()
    {
        using var provider = Registered(
            o =>
            {
                o.Mode = VerificationMode.Shadow;
                o.ApiServer.Server = null;
                o.Shadow.Primary = VerificationMode.Local;
                o.Shadow.Secondary = VerificationMode.Hybrid;
            },
            validate: false);
        Assert.That(() => VerificationModeSelection.CreateVerifier(provider), Throws.InvalidOperationException);
    }

    [TestCase(null, true, typeof(HybridVerification))]
    [TestCase(null, false, typeof(LocalVerification))]
    [TestCase(VerificationMode.Local, true, typeof(LocalVerification))]
    [TestCase(VerificationMode.TokenReview, true, typeof(TokenReviewVerification))]
    [TestCase(VerificationMode.Shadow, true, typeof(ShadowVerification))]
    public void AddKubernetesTokenVerifier_Mode_ResolvesThatStrategy(VerificationMode? mode, bool apiServer, Type expected)
    {
        using var provider = Registered(o =>
        {
            o.Mode = mode;
            o.ApiServer.Server = apiServer ? ApiServer : null;
            o.Keys.Source = apiServer ? KeySourceKind.ApiServer : KeySourceKind.StaticFile;
            o.Keys.StaticFilePath = apiServer ? null : "/nonexistent/jwks.json";
            o.Issuers = apiServer ? [] : [LocalApiServerOptions.DefaultIssuer];
        });

        Assert.That(((TokenVerifier)provider.GetRequiredService<IServiceAccountTokenVerifier>()).Strategy, Is.InstanceOf(expected));
    }

    [Test]
    public async Task AddKubernetesTokenVerifier_TokenReviewMode_ReadyAtOnceAndReporterResolvable()
    {
        using var provider = Registered(o => o.Mode = VerificationMode.TokenReview);
        var verifier = provider.GetRequiredService<IServiceAccountTokenVerifier>();

        await verifier.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Multiple(() =>
        {
            Assert.That(verifier.GetStatus().IsReady, Is.True);
            Assert.That(provider.GetRequiredService<IShadowComparisonReporter>().GetReport().Compared, Is.Zero);
            Assert.That(provider.GetRequiredService<ITokenReviewTransport>(), Is.InstanceOf<KubernetesApiTokenReviewTransport>());
        });
    }

    private ServiceProvider Registered(Action<KubernetesTokenVerifierOptions> configure, bool countKeySources = false, bool validate = true)
    {
        var services = new ServiceCollection();
        if (countKeySources)
        {
            services.AddSingleton<IKeySource>(_ =>
            {
                _keySourcesCreated++;
                return new InMemoryKeySource();
            });
            services.AddSingleton<ITokenReviewTransport>(new FakeTokenReviewTransport());
        }

        services.AddSingleton<TimeProvider>(new ManualTimeProvider());
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = ["api"];
            o.ApiServer.Server = ApiServer;
            o.ApiServer.UseInCluster = false;
            configure(o);
        });
        if (!validate)
        {
            // Behind the start-up validator: the selection's own check, the last line before a mode without its API server.
            var options = new KubernetesTokenVerifierOptions { Audiences = ["api"], ApiServer = { Server = ApiServer, UseInCluster = false } };
            configure(options);
            services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        }

        return services.BuildServiceProvider();
    }
}
