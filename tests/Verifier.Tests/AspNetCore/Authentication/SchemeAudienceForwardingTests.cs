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
    public async Task SchemeWithoutVerifier_FailsHostStartupWithHowToFix()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
        using var host = builder.Build();

        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("AddKubernetesTokenVerifier"));
        await host.StopAsync();
    }
}
