using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NUnit.Framework;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Verifier;

namespace Verifier.Tests.AspNetCore.Authentication;

/// <summary>
/// The accepted audiences have one home, <c>Verifier:Audiences</c>; a scheme's <c>Audiences</c> only narrows them
/// (checked at start, applied to the verified identity).
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class SchemeAudienceTests
{
    private static async Task<Exception?> StartFailureAsync(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        configure(builder.Services);
        using var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch (Exception e)
        {
            return e;
        }

        await host.StopAsync();
        return null;
    }

    private static void ApiServer(IServiceCollection services, params string[] audiences) =>
        services.Configure<KubernetesTokenVerifierOptions>(o =>
        {
            o.Audiences = [.. audiences];
            o.ApiServer.Server = new Uri("https://127.0.0.1:6443");
            o.ApiServer.UseInCluster = false;
        });

    [Test]
    public void SchemeAudiences_NotCopiedIntoVerifierOptions()
    {
        var services = new ServiceCollection();
        ApiServer(services, "factors", "billing");
        services.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IOptions<KubernetesTokenVerifierOptions>>().Value.Audiences, Is.EqualTo(new[] { "factors", "billing" }));
    }

    [Test]
    public async Task TwoSchemes_DifferentAudiencesOfOneVerifier_Start()
    {
        var failure = await StartFailureAsync(s =>
        {
            ApiServer(s, "factors", "billing");
            s.AddAuthentication()
                .AddKubernetesServiceAccount("internal", o => o.Audiences = ["factors"])
                .AddKubernetesServiceAccount("external", o => o.Audiences = ["billing"]);
        });

        Assert.That(failure, Is.Null);
    }

    [Test]
    public async Task SchemeAudience_NotAcceptedByVerifier_FailsHostStartupNamingSchemeAndSetting()
    {
        var failure = await StartFailureAsync(s =>
        {
            ApiServer(s, "factors");
            s.AddAuthentication()
                .AddKubernetesServiceAccount("internal", o => o.Audiences = ["factors"])
                .AddKubernetesServiceAccount("external", o => o.Audiences = ["billing"]);
        });

        Assert.That(failure, Is.InstanceOf<OptionsValidationException>()
            .With.Message.Contains("'external'").And.Message.Contains("'billing'").And.Message.Contains("Verifier:Audiences is [factors]")
            .And.Message.Not.Contains("'internal'"));
    }

    [Test]
    public async Task SchemeAudiencesOnly_VerifierHasNone_FailsHostStartupSayingWhereAudiencesLive()
    {
        var failure = await StartFailureAsync(s =>
        {
            ApiServer(s);
            s.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
        });

        // The one clear error of the verifier's own validation; the scheme adds none of its own.
        Assert.That(failure, Is.InstanceOf<OptionsValidationException>()
            .With.Message.Contains("Verifier:Audiences must list at least one audience").And.Message.Contains("only narrows it"));
    }

    [Test]
    public async Task SchemeWithoutVerifierSettingsOutsideACluster_FailsHostStartupWithHowToFix()
    {
        var failure = await StartFailureAsync(s =>
        {
            s.AddAuthentication().AddKubernetesServiceAccount();
            s.Configure<KubernetesTokenVerifierOptions>(o =>
            {
                o.Audiences = ["factors"];
                o.ApiServer.UseInCluster = false;
            });
        });

        // The scheme registered the verifier itself; with no API server and no key file it says how to get keys.
        Assert.That(failure, Is.InstanceOf<OptionsValidationException>().With.Message.Contains("Verifier:ApiServer:Server").And.Message.Contains("Verifier:Keys:StaticFilePath"));
    }

    [Test]
    public async Task OwnVerifier_SchemeAudiences_StartWithoutVerifierAudiences()
    {
        var failure = await StartFailureAsync(s =>
        {
            s.AddSingleton<IServiceAccountTokenVerifier>(FakeVerifier.Canned());
            s.AddAuthentication().AddKubernetesServiceAccount(o => o.Audiences = ["factors"]);
        });

        Assert.That(failure, Is.Null);
    }

    [Test]
    public void AddKubernetesServiceAccount_WithoutAddKubernetesTokenVerifier_RegistersTheOneVerifier()
    {
        var services = new ServiceCollection();
        services.AddAuthentication().AddKubernetesServiceAccount();
        ApiServer(services, "factors");
        using var provider = services.BuildServiceProvider();

        Assert.Multiple(() =>
        {
            Assert.That(provider.GetRequiredService<IServiceProviderIsService>().IsService(typeof(IServiceAccountTokenVerifier)), Is.True, "the scheme is self-contained");
            Assert.That(services.Count(d => d.ServiceType == typeof(IServiceAccountTokenVerifier)), Is.EqualTo(1));
        });
    }

    [Test]
    public void AddKubernetesServiceAccount_OwnVerifierRegisteredFirst_Kept()
    {
        var own = new FakeVerifier(VerificationMode.Local);
        var services = new ServiceCollection();
        services.AddSingleton<IServiceAccountTokenVerifier>(own);
        services.AddAuthentication().AddKubernetesServiceAccount();
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IServiceAccountTokenVerifier>(), Is.SameAs(own));
    }

    [Test]
    public async Task TwoSchemes_OneVerifier_EachAcceptsOnlyItsAudience()
    {
        await using var cluster = await LocalClusterApp.StartAsync(
            builder =>
            {
                builder.Services.Configure<KubernetesTokenVerifierOptions>(o => o.Audiences = [LocalClusterApp.Audience, "billing"]);
                builder.Services.AddAuthentication()
                    .AddKubernetesServiceAccount("factors", o => o.Audiences = [LocalClusterApp.Audience])
                    .AddKubernetesServiceAccount("billing", o => o.Audiences = ["billing"])
                    .AddKubernetesServiceAccount("any", _ => { });
                builder.Services.AddAuthorization();
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                foreach (var scheme in new[] { "factors", "billing", "any" })
                {
                    app.MapGet("/" + scheme, () => "ok").RequireAuthorization(p => p.AddAuthenticationSchemes(scheme).RequireAuthenticatedUser());
                }
            });
        var billingToken = cluster.IssueToken(audiences: ["billing"]);

        async Task<(HttpStatusCode Status, string? Challenge)> GetAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", billingToken);
            using var response = await cluster.Client.SendAsync(request);
            return (response.StatusCode, response.Headers.WwwAuthenticate.ToString());
        }

        var factors = await GetAsync("/factors");
        var billing = await GetAsync("/billing");
        var any = await GetAsync("/any");

        Assert.Multiple(() =>
        {
            Assert.That(factors.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(factors.Challenge, Does.Contain("error_description=\"wrong_audience\""));
            Assert.That(billing.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(any.Status, Is.EqualTo(HttpStatusCode.OK));
        });
    }
}
