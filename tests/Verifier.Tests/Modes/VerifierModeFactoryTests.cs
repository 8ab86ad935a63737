using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Verifier.Cluster;
using Verifier.Modes;
using Verifier.Testing;
using Verifier.Tests.TokenReview;
using Verifier.TokenReview;

namespace Verifier.Tests.Modes;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class VerifierModeFactoryTests : IDisposable
{
    private readonly FakeVerifier _local = new(VerificationMode.Local);
    private readonly FakeClusterConnectionProvider _cluster = new();
    private readonly KubernetesTokenVerifierOptions _options = new() { Audiences = ["api"] };
    private ServiceProvider? _provider;
    private int _localCreated;

    public void Dispose() => _provider?.Dispose();

    [Test]
    public void ResolveMode_NotSetWithApiServer_Hybrid() =>
        Assert.That(VerifierModeFactory.ResolveMode(new KubernetesTokenVerifierOptions(), _cluster), Is.EqualTo(VerificationMode.Hybrid));

    [Test]
    public void ResolveMode_NotSetWithoutApiServer_Local()
    {
        _cluster.Connection = null;
        Assert.Multiple(() =>
        {
            Assert.That(VerifierModeFactory.ResolveMode(new KubernetesTokenVerifierOptions(), _cluster), Is.EqualTo(VerificationMode.Local));
            Assert.That(VerifierModeFactory.ResolveMode(new KubernetesTokenVerifierOptions(), null), Is.EqualTo(VerificationMode.Local));
        });
    }

    [Test]
    public void ResolveMode_Set_Honoured() =>
        Assert.That(VerifierModeFactory.ResolveMode(new KubernetesTokenVerifierOptions { Mode = VerificationMode.TokenReview }, _cluster), Is.EqualTo(VerificationMode.TokenReview));

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
        _cluster.Connection = null;
        Assert.That(() => Factory().Create(mode, CreateLocal),
            Throws.InvalidOperationException.With.Message.Contains("no API server is configured").And.Message.Contains("Verifier:ApiServer:Server"));
    }

    [Test]
    public void Create_ShadowLocalVsHybrid_WithoutApiServerNeeded_Throws()
    {
        _cluster.Connection = null;
        _options.Shadow.Primary = VerificationMode.Local;
        _options.Shadow.Secondary = VerificationMode.Hybrid;
        Assert.That(() => Factory().Create(VerificationMode.Shadow, CreateLocal), Throws.InvalidOperationException);
    }

    [Test]
    public void AddVerifierModes_ShadowReporterResolvable()
    {
        var reporter = Factory() is not null ? _provider!.GetRequiredService<IShadowComparisonReporter>() : null;
        Assert.That(reporter!.GetReport().Compared, Is.Zero);
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
        services.AddSingleton<IClusterConnectionProvider>(_cluster);
        services.AddSingleton<ITokenReviewTransport>(new FakeTokenReviewTransport());
        services.AddVerifierModes();
        _provider = services.BuildServiceProvider();
        return _provider.GetRequiredService<VerifierModeFactory>();
    }

    private sealed class FakeClusterConnectionProvider : IClusterConnectionProvider
    {
        public ClusterConnection? Connection { get; set; } = new(new Uri("https://127.0.0.1:6443"), "test");
    }
}
