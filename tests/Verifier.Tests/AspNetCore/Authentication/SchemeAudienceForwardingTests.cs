using NUnit.Framework;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier;

namespace Verifier.Tests.AspNetCore.Authentication;

public sealed class SchemeAudienceForwardingTests
{
    private static KubernetesTokenVerifierOptions Resolve(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IServiceAccountTokenVerifier>(FakeVerifier.Canned());
        configure(services);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value;
    }

    [Test]
    public void SchemeAudiences_VerifierHasNone_BecomeVerifierAudiences()
    {
        var options = Resolve(s => s.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]));

        Assert.That(options.Audiences, Is.EqualTo(new[] { "factors" }));
    }

    [Test]
    public void SchemeWithoutAudiences_LeavesVerifierAudiences()
    {
        var options = Resolve(s =>
        {
            s.Configure<KubernetesTokenVerifierOptions>(o => o.Audiences = ["configured"]);
            s.AddAuthentication().AddKubernetesServiceAccount();
        });

        Assert.That(options.Audiences, Is.EqualTo(new[] { "configured" }));
    }

    [Test]
    public void TwoSchemes_SameAudiencesInAnotherOrder_Accepted()
    {
        var options = Resolve(s => s.AddAuthentication()
            .AddKubernetesServiceAccount("a", o => o.Audiences = ["x", "y"])
            .AddKubernetesServiceAccount("b", o => o.Audiences = ["y", "x"]));

        Assert.That(options.Audiences, Is.EquivalentTo(new[] { "x", "y" }));
    }

    [Test]
    public void TwoSchemes_ConflictingAudiences_FailNamingTheScheme()
    {
        Assert.That(
            () => Resolve(s => s.AddAuthentication()
                .AddKubernetesServiceAccount("internal", o => o.Audiences = ["factors"])
                .AddKubernetesServiceAccount("external", o => o.Audiences = ["billing"])),
            Throws.InstanceOf<OptionsValidationException>()
                .With.Message.Contains("'external'").And.Message.Contains("[billing]").And.Message.Contains("[factors]"));
    }

    [Test]
    public void SchemeAudiences_ConflictWithConfiguredVerifierAudiences_Fail()
    {
        Assert.That(
            () => Resolve(s =>
            {
                s.Configure<KubernetesTokenVerifierOptions>(o => o.Audiences = ["factors", "billing"]);
                s.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
            }),
            Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("Verifier:Audiences"));
    }

    [Test]
    public async Task ConflictingAudiences_FailHostStartup()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IServiceAccountTokenVerifier>(FakeVerifier.Canned());
        builder.Services.AddAuthentication()
            .AddKubernetesServiceAccount("internal", o => o.Audiences = ["factors"])
            .AddKubernetesServiceAccount("external", o => o.Audiences = ["billing"]);
        using var host = builder.Build();

        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("'external'"));
        await host.StopAsync();
    }

    [Test]
    public async Task SchemeWithoutVerifierSettingsOutsideACluster_FailsHostStartupWithHowToFix()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
        builder.Services.Configure<KubernetesTokenVerifierOptions>(o => o.ApiServer.UseInCluster = false);
        using var host = builder.Build();

        // The scheme registered the verifier itself; with no API server and no key file it says how to get keys.
        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("Verifier:ApiServer:Server").And.Message.Contains("Verifier:Keys:StaticFilePath"));
        // The host never started: nothing to stop.
    }

    [Test]
    public void AddKubernetesServiceAccount_WithoutAddKubernetesTokenVerifier_RegistersTheOneVerifier()
    {
        var services = new ServiceCollection();
        services.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
        services.Configure<KubernetesTokenVerifierOptions>(o => o.ApiServer.Server = new Uri("https://127.0.0.1:6443"));
        using var provider = services.BuildServiceProvider();

        Assert.Multiple(() =>
        {
            Assert.That(provider.GetRequiredService<IServiceProviderIsService>().IsService(typeof(IServiceAccountTokenVerifier)), Is.True, "the scheme is self-contained");
            Assert.That(services.Count(d => d.ServiceType == typeof(IServiceAccountTokenVerifier)), Is.EqualTo(1));
            Assert.That(provider.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value.Audiences, Is.EqualTo(new[] { "factors" }));
        });
    }

    [Test]
    public void AddKubernetesServiceAccount_OwnVerifierRegisteredFirst_Kept()
    {
        var own = new Verifier.Tests.TestKit.FakeVerifier(VerificationMode.Local);
        var services = new ServiceCollection();
        services.AddSingleton<IServiceAccountTokenVerifier>(own);
        services.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IServiceAccountTokenVerifier>(), Is.SameAs(own));
    }
}
