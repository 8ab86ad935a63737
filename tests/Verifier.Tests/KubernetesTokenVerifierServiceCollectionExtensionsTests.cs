using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Testing;
using Verifier.Tests.Validation;
using Verifier.Validation;

namespace Verifier.Tests;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class KubernetesTokenVerifierServiceCollectionExtensionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("verifier-di-").FullName;

    private string KeyFile => Path.Combine(_directory, "jwks.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void StaticFileOptions(KubernetesTokenVerifierOptions o)
    {
        o.Audiences = [KubeTokens.Audience];
        o.Issuers = [KubeTokens.Issuer];
        o.Mode = VerificationMode.Local;
        o.Keys.Source = KeySourceKind.StaticFile;
        o.Keys.StaticFilePath = KeyFile;
    }

    [Test]
    public async Task AddKubernetesTokenVerifier_StaticFileHost_VerifiesTokensOnceStarted()
    {
        await File.WriteAllTextAsync(KeyFile, KubeTokens.Jwks(KubeTokens.Rsa));
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(new ManualTimeProvider(KubeTokens.Now));
        builder.Services.AddKubernetesTokenVerifier(StaticFileOptions);
        using var host = builder.Build();

        await host.StartAsync();
        var verifier = host.Services.GetRequiredService<IServiceAccountTokenVerifier>();
        await verifier.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var result = await verifier.VerifyAsync(KubeTokens.Token());
        await host.StopAsync();

        Assert.That(((TokenVerifier)verifier).Strategy, Is.InstanceOf<LocalVerification>());
        Assert.That(result.Succeeded, Is.True, result.ToString());
        Assert.That(verifier.GetStatus().Mode, Is.EqualTo(VerificationMode.Local));
    }

    [Test]
    public async Task AddKubernetesTokenVerifier_FromConfiguration_BindsTheVerifierSection()
    {
        await File.WriteAllTextAsync(KeyFile, KubeTokens.Jwks(KubeTokens.Rsa));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Verifier:Audiences:0"] = KubeTokens.Audience,
            ["Verifier:Issuers:0"] = KubeTokens.Issuer,
            ["Verifier:Mode"] = "Local",
            ["Verifier:Keys:Source"] = "StaticFile",
            ["Verifier:Keys:StaticFilePath"] = KeyFile,
            ["Verifier:Validation:ExpirationLeeway"] = "00:00:30",
            ["Verifier:Cache:MaxEntries"] = "77",
        }).Build();
        var services = new ServiceCollection();

        services.AddKubernetesTokenVerifier(configuration);
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.Audiences, Is.EqualTo(new[] { KubeTokens.Audience }));
            Assert.That(options.Keys.Source, Is.EqualTo(KeySourceKind.StaticFile));
            Assert.That(options.Validation.ExpirationLeeway, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(options.Cache.MaxEntries, Is.EqualTo(77));
            Assert.That(provider.GetRequiredService<IKeySource>(), Is.InstanceOf<StaticFileKeySource>());
        });
    }

    [Test]
    public void AddKubernetesTokenVerifier_CalledTwice_RegistersOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();

        services.AddKubernetesTokenVerifier(StaticFileOptions);
        services.AddKubernetesTokenVerifier(o => o.Audiences.Add("second"));
        using var provider = services.BuildServiceProvider();

        Assert.Multiple(() =>
        {
            Assert.That(services.Count(d => d.ServiceType == typeof(IServiceAccountTokenVerifier)), Is.EqualTo(1));
            Assert.That(services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(KeyRefreshWorker)), Is.EqualTo(1));
            Assert.That(provider.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value.Audiences, Is.EqualTo(new[] { KubeTokens.Audience, "second" }));
        });
    }

    [Test]
    public void AddKubernetesTokenVerifier_TimeProviderRegisteredFirst_IsKept()
    {
        var services = new ServiceCollection();
        var time = new ManualTimeProvider();
        services.AddSingleton<TimeProvider>(time);

        services.AddKubernetesTokenVerifier(StaticFileOptions);
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<TimeProvider>(), Is.SameAs(time));
    }

    [TestCase("no-audiences", "Verifier:Audiences must list at least one audience")]
    [TestCase("empty-audience", "Verifier:Audiences:1 is empty")]
    [TestCase("static-without-path", "Verifier:Keys:StaticFilePath is not set")]
    [TestCase("static-without-issuers", "Verifier:Issuers must list the accepted issuer(s)")]
    [TestCase("public-without-url", "Verifier:Keys:IssuerUrl is not set")]
    [TestCase("public-http-url", "must be an absolute https URL")]
    [TestCase("apiserver-without-server", "no API server is configured")]
    [TestCase("negative-leeway", "Verifier:Validation:ExpirationLeeway must not be negative")]
    [TestCase("zero-max-token-bytes", "Verifier:Validation:MaxTokenBytes must be greater than 0")]
    [TestCase("zero-max-token-age", "Verifier:Validation:MaxTokenAge must be greater than zero")]
    [TestCase("empty-api-audience", "Verifier:Validation:ApiAudiences:0 is empty")]
    [TestCase("zero-refresh-interval", "Verifier:Keys:RefreshInterval must be greater than zero")]
    [TestCase("staleness-below-interval", "Verifier:Keys:MaxStaleness")]
    [TestCase("jitter-too-large", "Verifier:Keys:RefreshJitter must be between 0 and 0.5")]
    [TestCase("zero-cache-entries", "Verifier:Cache:MaxEntries must be greater than 0")]
    [TestCase("zero-response-cap", "Verifier:Keys:MaxResponseBytes must be greater than 0")]
    [TestCase("hybrid-without-server", "Verifier:Mode Hybrid needs an API server")]
    public async Task AddKubernetesTokenVerifier_InvalidOptions_FailAtStartWithAFix(string problem, string message)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKubernetesTokenVerifier(o =>
        {
            StaticFileOptions(o);
            o.ApiServer.UseInCluster = false;
            switch (problem)
            {
                case "no-audiences": o.Audiences.Clear(); break;
                case "empty-audience": o.Audiences.Add(" "); break;
                case "static-without-path": o.Keys.StaticFilePath = null; break;
                case "static-without-issuers": o.Issuers.Clear(); break;
                case "public-without-url": o.Keys.Source = KeySourceKind.PublicIssuer; break;
                case "public-http-url":
                    o.Keys.Source = KeySourceKind.PublicIssuer;
                    o.Keys.IssuerUrl = new Uri("http://issuer.example");
                    break;
                case "apiserver-without-server": o.Keys.Source = KeySourceKind.ApiServer; break;
                case "negative-leeway": o.Validation.ExpirationLeeway = TimeSpan.FromSeconds(-1); break;
                case "zero-max-token-bytes": o.Validation.MaxTokenBytes = 0; break;
                case "zero-max-token-age": o.Validation.MaxTokenAge = TimeSpan.Zero; break;
                case "empty-api-audience": o.Validation.ApiAudiences.Add(""); break;
                case "zero-refresh-interval": o.Keys.RefreshInterval = TimeSpan.Zero; break;
                case "staleness-below-interval": o.Keys.MaxStaleness = TimeSpan.FromMinutes(30); break;
                case "jitter-too-large": o.Keys.RefreshJitter = 0.9; break;
                case "zero-cache-entries": o.Cache.MaxEntries = 0; break;
                case "zero-response-cap": o.Keys.MaxResponseBytes = 0; break;
                case "hybrid-without-server": o.Mode = VerificationMode.Hybrid; break;
            }
        });
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(exception!.Message, Does.Contain(message));
    }

    [Test]
    public void AddKubernetesTokenVerifier_NoModeAndNoApiServer_ResolvesLocal()
    {
        var options = new KubernetesTokenVerifierOptions { ApiServer = { UseInCluster = false } };
        var withServer = new KubernetesTokenVerifierOptions { ApiServer = { Server = new Uri("https://127.0.0.1:6443") } };

        Assert.That(VerificationModeSelection.Resolve(options), Is.EqualTo(VerificationMode.Local));
        Assert.That(VerificationModeSelection.Resolve(withServer), Is.EqualTo(VerificationMode.Hybrid));
    }

    [Test]
    public void WaitUntilReadyOnStartup_OnTheBuilder_AddsTheGateWaitingForKeys()
    {
        var services = new ServiceCollection();
        services.AddKubernetesTokenVerifier(o => o.Audiences = ["api"])
            .WaitUntilReadyOnStartup(o => o.ReadyTimeout = TimeSpan.FromSeconds(7));
        using var provider = services.BuildServiceProvider();

        var startup = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Verifier.Hosting.KubernetesTokenVerifierStartupOptions>>().Value;
        Assert.Multiple(() =>
        {
            Assert.That(startup.WaitUntilReady, Is.True);
            Assert.That(startup.ReadyTimeout, Is.EqualTo(TimeSpan.FromSeconds(7)));
            Assert.That(services.Count(d => d.ImplementationType == typeof(Verifier.Hosting.VerifierStartupGate)), Is.EqualTo(1));
        });
    }
}
