using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenServer;
using Verifier;
using Verifier.AspNetCore.Authentication;

namespace Bench.E2e;

/// <summary>
/// <c>Bench e2e-server --auth none|local|hybrid|jwtbearer|handwritten-tokenreview|tokenreview --api-dir DIR --ready-file PATH</c>:
/// the minimal app of issue 16. Kestrel on 127.0.0.1 (a free port, HTTP/1.1), one endpoint <c>GET /factors/{n}</c>
/// (the factors sample's logic) behind the chosen authentication, and <c>GET /e2e/stats</c> for the driver. Once it
/// serves (and the verifier, if any, has its keys) it writes its URL to the ready file; it stops on SIGTERM.
/// </summary>
internal static class E2eServerCommand
{
    private static readonly HashSet<string> Known = ["--auth", "--api-dir", "--ready-file"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var parsed = E2eArguments.Parse("e2e-server", args, Known, out var problem);
        if (parsed is null)
        {
            await error.WriteLineAsync(problem).ConfigureAwait(false);
            return 2;
        }

        if (ParseAuth(parsed["--auth"]) is not { } auth)
        {
            await error.WriteLineAsync("e2e-server: --auth takes none, local, hybrid, jwtbearer, handwritten-tokenreview or tokenreview").ConfigureAwait(false);
            return 2;
        }

        if (parsed["--api-dir"] is not { } apiDir || parsed["--ready-file"] is not { } readyFile)
        {
            await error.WriteLineAsync("e2e-server: --api-dir DIR (written by e2e-apiserver) and --ready-file PATH are required").ConfigureAwait(false);
            return 2;
        }

        var files = new E2eFiles(apiDir);
        if (!File.Exists(files.Ready))
        {
            await error.WriteLineAsync($"e2e-server: --api-dir {apiDir}: no ready API server there (start `Bench e2e-apiserver --dir {apiDir}` first)").ConfigureAwait(false);
            return 3;
        }

        using var stats = new E2eStats();
        await using var app = Build(auth, files, stats);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            await error.WriteLineAsync($"e2e-server --auth {parsed["--auth"]}: configuration: {string.Join(" ", e.Failures)}").ConfigureAwait(false);
            return 4;
        }

        if (app.Services.GetService<IServiceAccountTokenVerifier>() is { } verifier)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await verifier.WaitUntilReadyAsync(timeout.Token).ConfigureAwait(false);
        }

        var temporary = readyFile + ".tmp";
        await File.WriteAllTextAsync(temporary, app.Urls.First()).ConfigureAwait(false);
        File.Move(temporary, readyFile, overwrite: true);
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"e2e-server {parsed["--auth"]}: {stats.Snapshot()}").ConfigureAwait(false);
        return 0;
    }

    internal static E2eAuth? ParseAuth(string? text) => text switch
    {
        "none" => E2eAuth.None,
        "local" => E2eAuth.Local,
        "hybrid" => E2eAuth.Hybrid,
        "jwtbearer" => E2eAuth.JwtBearer,
        "handwritten-tokenreview" => E2eAuth.HandwrittenTokenReview,
        "tokenreview" => E2eAuth.TokenReview,
        _ => null,
    };

    internal static WebApplication Build(E2eAuth auth, E2eFiles files, E2eStats stats)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));

        // The same for every build: warnings only (an Information line per request would dominate the measurement).
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(stats);

        var apiServer = new Uri(File.ReadAllText(files.Url).Trim());
        switch (auth)
        {
            case E2eAuth.None:
                break;
            case E2eAuth.Local or E2eAuth.Hybrid or E2eAuth.TokenReview:
                builder.Services.AddKubernetesTokenVerifier(o =>
                {
                    o.Mode = auth switch { E2eAuth.Local => VerificationMode.Local, E2eAuth.Hybrid => VerificationMode.Hybrid, _ => VerificationMode.TokenReview };
                    o.ApiServer.Server = apiServer;
                    o.ApiServer.CertificateAuthorityFile = files.CaCertificate;
                    o.ApiServer.TokenFile = files.ReviewerToken;
                    o.Audiences = [E2eFiles.Audience];
                });
                builder.Services.AddAuthentication(KubernetesServiceAccountDefaults.AuthenticationScheme)
                    .AddKubernetesServiceAccount();
                break;
            case E2eAuth.JwtBearer:
                // What a .NET team writes today: the API server's OIDC discovery as metadata (IdentityModel's
                // ConfigurationManager fetches and caches discovery and JWKS), issuer and audience pinned, and a
                // backchannel that trusts the cluster CA and sends the pod's token (discovery is not anonymous).
                var issuer = File.ReadAllText(files.Issuer).Trim();
                builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
                {
                    o.MetadataAddress = new Uri(apiServer, ".well-known/openid-configuration").ToString();
                    o.BackchannelHttpHandler = new BearerTokenHandler(files.ReviewerToken) { InnerHandler = ClusterTrust.CreateHandler(files.CaCertificate) };
                    o.MapInboundClaims = false;
                    o.TokenValidationParameters.ValidIssuer = issuer;
                    o.TokenValidationParameters.ValidAudience = E2eFiles.Audience;
                    o.TokenValidationParameters.NameClaimType = "sub";
                });
                break;
            case E2eAuth.HandwrittenTokenReview:
                builder.Services.AddHttpClient(HandwrittenTokenReviewHandler.ClientName, c =>
                    {
                        c.BaseAddress = apiServer;
                        c.Timeout = TimeSpan.FromSeconds(5);
                    })
                    .ConfigurePrimaryHttpMessageHandler(() => ClusterTrust.CreateHandler(files.CaCertificate))
                    .AddHttpMessageHandler(() => new BearerTokenHandler(files.ReviewerToken));
                builder.Services.AddAuthentication(HandwrittenTokenReviewHandler.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, HandwrittenTokenReviewHandler>(HandwrittenTokenReviewHandler.SchemeName, null);
                break;
        }

        if (auth != E2eAuth.None)
        {
            builder.Services.AddAuthorization();
        }

        var app = builder.Build();
        var factors = app.MapGet("/factors/{n:long}", (long n, ClaimsPrincipal user, E2eStats counters) =>
        {
            if (n is < 1 or > Factorizer.MaxN)
            {
                return Results.BadRequest();
            }

            counters.Served();
            return Results.Json(new FactorsResponse(n, Factorizer.Factor(n), user.Identity?.Name ?? "anonymous"), E2eJsonContext.Default.FactorsResponse);
        });
        if (auth != E2eAuth.None)
        {
            factors.RequireAuthorization();
        }

        app.MapGet("/e2e/stats", (E2eStats counters) => counters.Snapshot());
        return app;
    }
}
