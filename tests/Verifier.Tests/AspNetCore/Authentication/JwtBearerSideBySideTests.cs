using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using NUnit.Framework;
using Verifier.AspNetCore.Authentication;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.AspNetCore.Authentication;

/// <summary>
/// Our scheme next to the real JwtBearer on one app, both against the same LocalApiServer: ours verifies the
/// cluster's tokens for audience <c>factors</c> with the project's verifier; JwtBearer reads the cluster's OIDC
/// discovery document (through a backchannel that trusts only the cluster CA and carries the pod's own token, as
/// discovery needs on a real cluster) and accepts the cluster's tokens for audience <c>reports</c>.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class JwtBearerSideBySideTests
{
    private const string Ours = KubernetesServiceAccountDefaults.AuthenticationScheme;
    private const string Jwt = JwtBearerDefaults.AuthenticationScheme;
    private const string JwtAudience = "reports";
    private const string DiscoveryClient = "kube-discovery";
    private const string ClientUsername = "system:serviceaccount:token-demo:token-client-test";

    private readonly List<Exception> _jwtFailures = [];
    private readonly TempDirectory _directory = new();
    private LocalClusterApp? _cluster;

    [TearDown]
    public async Task TearDown()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _directory.Dispose();
    }

    /// <param name="discoveryToken">The backchannel sends the pod's service-account token (false: anonymous).</param>
    /// <param name="pinIssuer">JwtBearer's ValidIssuer is set instead of taken from the discovery document.</param>
    private async Task StartAsync(bool discoveryToken = true, bool pinIssuer = false)
    {
        LocalApiServer api = null!;
        var tokenPath = Path.Combine(_directory.Path, "token");
        _cluster = await LocalClusterApp.StartAsync(
            builder =>
            {
                // As in a pod: the default service-account token (audience: the API server) and the cluster CA.
                var discovery = builder.Services.AddHttpClient(DiscoveryClient, c => c.Timeout = TimeSpan.FromSeconds(30))
                    .ConfigurePrimaryHttpMessageHandler(() => TestCertificates.TrustingHandler(api.CaCertificate));
                if (discoveryToken)
                {
                    discovery.AddServiceAccountToken(tokenPath);
                }

                builder.Services.AddAuthentication()
                    .AddKubernetesServiceAccount()
                    .AddJwtBearer(o =>
                    {
                        o.MetadataAddress = new Uri(api.BaseAddress, ".well-known/openid-configuration").ToString();
                        o.Audience = JwtAudience;
                        o.MapInboundClaims = false;
                        o.TokenValidationParameters.NameClaimType = "sub";
                        o.TokenValidationParameters.AuthenticationType = Jwt;
                        if (pinIssuer)
                        {
                            o.TokenValidationParameters.ValidIssuer = api.Issuer;
                        }

                        o.Events = new JwtBearerEvents
                        {
                            // A user "helpfully" copying JwtBearer's claims onto ours: the service-account policies must still not trust them.
                            OnTokenValidated = context =>
                            {
                                var identity = (ClaimsIdentity)context.Principal!.Identity!;
                                var username = identity.FindFirst("sub")!.Value;
                                identity.AddClaim(new Claim(KubernetesClaimTypes.Username, username));
                                identity.AddClaim(new Claim(KubernetesClaimTypes.Namespace, username.Split(':')[2]));
                                identity.AddClaim(new Claim(KubernetesClaimTypes.ServiceAccountName, username.Split(':')[3]));
                                return Task.CompletedTask;
                            },
                            OnAuthenticationFailed = context =>
                            {
                                lock (_jwtFailures)
                                {
                                    _jwtFailures.Add(context.Exception);
                                }

                                return Task.CompletedTask;
                            },
                        };
                    });

                // Configure runs before JwtBearer's post-configure builds its ConfigurationManager on the backchannel.
                builder.Services.AddOptions<JwtBearerOptions>(Jwt)
                    .Configure<IHttpClientFactory>((o, clients) => o.Backchannel = clients.CreateClient(DiscoveryClient));
                builder.Services.AddAuthorizationBuilder()
                    .AddPolicy("either", p => p.AddAuthenticationSchemes(Ours, Jwt).RequireAuthenticatedUser())
                    .AddPolicy("either-demo-namespace", p => p.AddAuthenticationSchemes(Ours, Jwt).RequireServiceAccountNamespace(LocalClusterApp.Namespace));
            },
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/either", (ClaimsPrincipal user) => string.Join(
                    ' ',
                    user.Identities.Where(i => i.IsAuthenticated).Select(i => $"{i.AuthenticationType}={i.Name}").Order(StringComparer.Ordinal)))
                    .RequireAuthorization("either");
                app.MapGet("/either/claims", (ClaimsPrincipal user) => string.Join(
                    ' ',
                    user.Identities.Single(i => i.IsAuthenticated).Claims.Select(c => c.Type).Distinct().Order(StringComparer.Ordinal)))
                    .RequireAuthorization("either");
                app.MapGet("/either-demo", () => "ok").RequireAuthorization("either-demo-namespace");
            },
            configureApi: server =>
            {
                api = server;
                File.WriteAllText(tokenPath, server.IssueToken(LocalClusterApp.Namespace, LocalClusterApp.ClientAccount));
            });
    }

    private async Task<(HttpStatusCode Status, string Body, string[] Challenges)> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _cluster!.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToArray());
    }

    private string IssueToken(params string[] audiences) => _cluster!.IssueToken(audiences: audiences);

    [Test]
    public async Task EitherPolicy_TokenForEachAudience_AuthenticatedByItsOwnScheme()
    {
        await StartAsync();

        var ours = await GetAsync("/either", IssueToken(LocalClusterApp.Audience));
        var theirs = await GetAsync("/either", IssueToken(JwtAudience));

        Assert.Multiple(() =>
        {
            Assert.That(ours.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ours.Body, Is.EqualTo($"{Ours}={ClientUsername}"));
            Assert.That(theirs.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(theirs.Body, Is.EqualTo($"{Jwt}={ClientUsername}"));
            Assert.That(_jwtFailures.Select(e => e.GetType()), Is.EqualTo(new[] { typeof(SecurityTokenInvalidAudienceException) }),
                "JwtBearer saw the token for 'factors' too and refused it for its audience, and nothing else");
        });
    }

    [Test]
    public async Task EitherPolicy_TokenForBothAudiences_BothSchemesAgreeOnTheAccount()
    {
        await StartAsync();

        var (status, body, _) = await GetAsync("/either", IssueToken(LocalClusterApp.Audience, JwtAudience));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body, Is.EqualTo($"{Jwt}={ClientUsername} {Ours}={ClientUsername}"));
        });
    }

    [Test]
    public async Task JwtBearer_MapInboundClaimsOff_KeepsTheTokensClaimNames()
    {
        await StartAsync();

        var (status, body, _) = await GetAsync("/either/claims", IssueToken(JwtAudience));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.Split(' '), Is.SupersetOf(new[] { "aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub" }));
            Assert.That(body, Does.Not.Contain(ClaimTypes.NameIdentifier));
        });
    }

    [Test]
    public async Task EitherPolicy_NoToken_BothSchemesChallenge()
    {
        await StartAsync();

        var (status, _, challenges) = await GetAsync("/either", null);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(challenges, Is.EqualTo(new[] { "Bearer", "Bearer" }));
        });
    }

    [Test]
    public async Task EitherPolicy_TokenForNeitherAudience_BothSchemesSayWhy()
    {
        await StartAsync();

        var (status, _, challenges) = await GetAsync("/either", IssueToken("billing"));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(challenges, Has.Length.EqualTo(2));
            Assert.That(challenges, Has.Exactly(1).Contains("error_description=\"wrong_audience\""), "ours");

            // IdentityModel 8.x leaves the exception's InvalidAudience unset, so JwtBearer prints '(null)', not 'billing'.
            Assert.That(challenges, Has.Exactly(1).Match("error_description=\"The audience '.*' is invalid\""), "JwtBearer");
            Assert.That(_jwtFailures.Select(e => e.GetType()), Is.EqualTo(new[] { typeof(SecurityTokenInvalidAudienceException) }));
        });
    }

    [Test]
    public async Task EitherPolicy_TokenFromAnotherClusterWithTheSameIssuer_RejectedByBoth()
    {
        await StartAsync();
        await using var otherCluster = await LocalApiServer.StartAsync();
        otherCluster.CreateNamespace(LocalClusterApp.Namespace);
        otherCluster.CreateServiceAccount(LocalClusterApp.Namespace, LocalClusterApp.ClientAccount);
        var foreign = otherCluster.IssueToken(LocalClusterApp.Namespace, LocalClusterApp.ClientAccount, [LocalClusterApp.Audience, JwtAudience]);

        var (status, _, challenges) = await GetAsync("/either", foreign);

        Assert.Multiple(() =>
        {
            Assert.That(otherCluster.Issuer, Is.EqualTo(_cluster!.Api.Issuer), "kind's default issuer on both clusters: only the keys tell them apart");
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(challenges, Has.Exactly(1).Contains("The signature key was not found"), "JwtBearer");
            Assert.That(_jwtFailures.Select(e => e.GetType()), Is.EqualTo(new[] { typeof(SecurityTokenSignatureKeyNotFoundException) }));
        });
    }

    [Test]
    public async Task ServiceAccountPolicy_JwtBearerIdentityOfTheSameAccount_IsForbidden()
    {
        await StartAsync();

        var (status, _, _) = await GetAsync("/either-demo", IssueToken(JwtAudience));

        // JwtBearer's identity names the same account in "sub" and "kubernetes.io", and OnTokenValidated even copied it onto
        // our claim types, but only our scheme's verified identity counts.
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task ServiceAccountPolicy_OurIdentity_IsAllowed()
    {
        await StartAsync();

        var (status, _, _) = await GetAsync("/either-demo", IssueToken(LocalClusterApp.Audience));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
    }

    // The trap: kube-apiserver serves discovery only to authenticated service accounts (docs/kube-apiserver.md §1), so an
    // anonymous backchannel gets 403. JwtBearer does not report the failed fetch to the caller: it validates without a
    // configuration, and the error names whatever check then fails first: the (correct) issuer when the issuer comes
    // from discovery, the signing key when ValidIssuer is pinned.
    [TestCase(false, typeof(SecurityTokenInvalidIssuerException), "The issuer '" + LocalApiServerOptions.DefaultIssuer + "' is invalid")]
    [TestCase(true, typeof(SecurityTokenSignatureKeyNotFoundException), "The signature key was not found")]
    public async Task JwtBearer_AnonymousDiscoveryFetch_FailsAsIssuerOrKeyError(bool pinIssuer, Type expectedFailure, string expectedDescription)
    {
        await StartAsync(discoveryToken: false, pinIssuer: pinIssuer);

        var (status, _, challenges) = await GetAsync("/either", IssueToken(JwtAudience));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(_cluster!.Api.Counters.Count(ApiEndpoint.OidcDiscovery, 403), Is.GreaterThanOrEqualTo(1), "the discovery fetch was refused");
            Assert.That(_jwtFailures.Select(e => e.GetType()), Is.EqualTo(new[] { expectedFailure }));
            Assert.That(challenges, Has.Exactly(1).Contains(expectedDescription), "JwtBearer");
        });
    }
}
