using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.Modes;
using Verifier.Testing;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;
using Verifier.Validation;

namespace Verifier.Tests.Modes;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class VerifierModeFactoryTests : IDisposable
{
    private static readonly Uri ApiServer = new("https://127.0.0.1:6443");

    private readonly FakeVerifier _local = new(VerificationMode.Local);
    private readonly KubernetesTokenVerifierOptions _options = new() { Audiences = ["api"], ApiServer = { Server = ApiServer, UseInCluster = false } };
    private ServiceProvider? _provider;
    private int _localCreated;

    public void Dispose() => _provider?.Dispose();

    [TestCase(VerificationMode.Local, typeof(FakeVerifier), 1)]
    [TestCase(VerificationMode.TokenReview, typeof(TokenReviewVerifier), 0)]
    [TestCase(VerificationMode.Hybrid, typeof(HybridVerifier), 1)]
    [TestCase(VerificationMode.Shadow, typeof(ShadowVerifier), 1)]
    public void Create_Mode_BuildsThatVerifierAndLocalOnlyWhenNeeded(VerificationMode mode, Type expected, int localCreated)
    {
        var verifier = Factory().Create(mode, CreateLocal);
        Assert.Multiple(() =>
        {
            Assert.That(verifier, Is.InstanceOf(expected));
            Assert.That(_localCreated, Is.EqualTo(localCreated), "TokenReview mode never builds (or waits for) the local verifier");
        });
    }

    [TestCase(VerificationMode.TokenReview)]
    [TestCase(VerificationMode.Hybrid)]
    [TestCase(VerificationMode.Shadow)]
    public void Create_ApiServerModeWithoutApiServer_ThrowsWithFix(VerificationMode mode)
    {
        _options.ApiServer.Server = null;
        Assert.That(() => Factory().Create(mode, CreateLocal),
            Throws.InvalidOperationException.With.Message.Contains("no API server is configured").And.Message.Contains("Verifier:ApiServer:Server"));
    }

    [Test]
    public void Create_ShadowOfLocalAndHybridWithoutApiServer_Throws()
    {
        _options.ApiServer.Server = null;
        _options.Shadow.Primary = VerificationMode.Local;
        _options.Shadow.Secondary = VerificationMode.Hybrid;
        Assert.That(() => Factory().Create(VerificationMode.Shadow, CreateLocal), Throws.InvalidOperationException);
    }

    [TestCase(null, true, typeof(HybridVerifier))]
    [TestCase(null, false, typeof(LocalTokenVerifier))]
    [TestCase(VerificationMode.Local, true, typeof(LocalTokenVerifier))]
    [TestCase(VerificationMode.TokenReview, true, typeof(TokenReviewVerifier))]
    [TestCase(VerificationMode.Shadow, true, typeof(ShadowVerifier))]
    public void AddKubernetesTokenVerifier_Mode_ResolvesThatVerifier(VerificationMode? mode, bool apiServer, Type expected)
    {
        using var provider = Registered(o =>
        {
            o.Mode = mode;
            o.ApiServer.Server = apiServer ? ApiServer : null;
            o.Keys.Source = apiServer ? KeySourceKind.ApiServer : KeySourceKind.StaticFile;
            o.Keys.StaticFilePath = apiServer ? null : "/nonexistent/jwks.json";
            o.Issuers = apiServer ? [] : [LocalApiServerOptions.DefaultIssuer];
        });

        Assert.That(provider.GetRequiredService<IServiceAccountTokenVerifier>(), Is.InstanceOf(expected));
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

    private static ServiceProvider Registered(Action<KubernetesTokenVerifierOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = ["api"];
            o.ApiServer.Server = ApiServer;
            o.ApiServer.UseInCluster = false;
            configure(o);
        });
        return services.BuildServiceProvider();
    }

    private IServiceAccountTokenVerifier CreateLocal()
    {
        _localCreated++;
        return _local;
    }

    private VerifierModeFactory Factory()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddLogging();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(_options));
        services.AddSingleton<TimeProvider>(new ManualTimeProvider());
        services.AddSingleton<ITokenReviewTransport>(new FakeTokenReviewTransport());
        services.AddVerifierModes();
        _provider = services.BuildServiceProvider();
        return _provider.GetRequiredService<VerifierModeFactory>();
    }
}
