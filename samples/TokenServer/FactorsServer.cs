using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Metrics;
using Verifier;
using Verifier.AspNetCore.Authentication;
using Verifier.AspNetCore.Health;

namespace TokenServer;

/// <summary>
/// The factors server: <c>GET /factors/{n}</c> for callers whose service-account token carries audience
/// <c>factors</c> (401 otherwise) and whose service account is in <c>TokenServer:AllowedServiceAccounts</c>
/// (403 otherwise); <c>/healthz/ready</c> and <c>/healthz/live</c>.
/// </summary>
public static class FactorsServer
{
    public const string SectionName = "TokenServer";
    public const string ClientsPolicy = "factors-clients";
    public const string DefaultAudience = "factors";
    public const string DefaultUrl = "http://*:8080";
    public static readonly IReadOnlyList<string> DefaultAllowedServiceAccounts = ["token-demo/token-client-test"];

    /// <summary>Builds the app from <paramref name="args"/> (command line, environment, appsettings).</summary>
    /// <param name="args">
    /// Configuration switches, e.g. <c>--Verifier:ApiServer:KubeconfigPath=…</c>, and <c>--local KUBECONFIG</c>: verify
    /// against the LocalApiServer of that kubeconfig and listen on <c>http://127.0.0.1:8080</c> (switches after it still win).
    /// </param>
    /// <param name="configure">Extra setup before build (tests add configuration or services here).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json next to the assembly, wherever it is started from (dotnet run keeps the caller's directory).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ExpandArguments(args), ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var configuration = builder.Configuration;

        if (!HasExplicitEndpoints(configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var audience = configuration[$"{SectionName}:Audience"] ?? DefaultAudience;
        var allowed = ReadList(configuration.GetSection($"{SectionName}:AllowedServiceAccounts")) ?? DefaultAllowedServiceAccounts;

        // The accepted audiences live in one place, the verifier's options: Verifier:Audiences when configured,
        // else TokenServer:Audience (default factors).
        builder.Services.AddKubernetesTokenVerifier(configuration);
        builder.Services.PostConfigure<KubernetesTokenVerifierOptions>(o =>
        {
            if (o.Audiences.Count == 0)
            {
                o.Audiences.Add(audience);
            }
        });
        builder.Services.AddAuthentication(KubernetesServiceAccountDefaults.AuthenticationScheme)
            .AddKubernetesServiceAccount(o =>
            {
                o.Events = new KubernetesServiceAccountEvents { OnChallenge = ProblemResponses.RememberChallenge };
            });
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemResponses.Describe);
        builder.Services.AddAuthorizationBuilder().AddServiceAccountPolicy(ClientsPolicy, allowed);
        builder.Services.AddHealthChecks().AddKubernetesTokenVerifier();

        // Metrics over OTLP only when an endpoint is configured (env OTEL_EXPORTER_OTLP_ENDPOINT or the same switch);
        // the exporter reads the other OTEL_* settings (protocol, headers, interval) from configuration itself.
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter("Verifier", "Microsoft.AspNetCore.Hosting").AddOtlpExporter());
        }

        var app = builder.Build();

        // 401/403/503 from authentication and authorization carry no body of their own: give them an
        // application/problem+json one that names the reason class (never the token).
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/factors/{n:long}", (long n, ClaimsPrincipal user) =>
            n is < 1 or > Factorizer.MaxN
                ? Results.Json(new ErrorResponse($"n must be between 1 and {Factorizer.MaxN}"), TokenServerJsonContext.Default.ErrorResponse, statusCode: StatusCodes.Status400BadRequest)
                : Results.Json(new FactorsResponse(n, Factorizer.Factor(n), user.GetServiceAccount()!.Username), TokenServerJsonContext.Default.FactorsResponse))
            .RequireAuthorization(ClientsPolicy);
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(KubernetesTokenVerifierHealthCheckDefaults.ReadyTag) });
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        return app;
    }

    /// <summary>A list from configuration: array entries (<c>X:0</c>, <c>X:1</c>) or one comma-separated value (handy in env vars).</summary>
    internal static IReadOnlyList<string>? ReadList(IConfigurationSection section)
    {
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return section.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var items = section.GetChildren().Select(c => c.Value).OfType<string>().Where(v => !string.IsNullOrWhiteSpace(v)).ToArray();
        return items.Length == 0 ? null : items;
    }

    /// <summary>Turns <c>--local KUBECONFIG</c> into configuration switches placed first, so later switches win.</summary>
    internal static string[] ExpandArguments(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var local = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] != "--local")
            {
                rest.Add(args[i]);
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException("--local needs the kubeconfig of a running LocalApiServer, e.g. --local /tmp/local-apiserver.kubeconfig");
            }

            var kubeconfig = args[++i];
            if (!File.Exists(kubeconfig))
            {
                throw new ArgumentException($"--local {kubeconfig}: no such kubeconfig; start LocalApiServer first (dotnet run --project src/Verifier.Testing.Host -- --kubeconfig {kubeconfig}) or pass the path it wrote");
            }

            local.Add("--urls=http://127.0.0.1:8080");
            local.Add($"--{KubernetesTokenVerifierOptions.SectionName}:ApiServer:KubeconfigPath={Path.GetFullPath(kubeconfig)}");
        }

        return [.. local, .. rest];
    }

    // urls / ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS (set by the aspnet container images) or Kestrel endpoints win over 8080.
    private static bool HasExplicitEndpoints(ConfigurationManager configuration) =>
        !string.IsNullOrEmpty(configuration["urls"])
        || !string.IsNullOrEmpty(configuration["http_ports"])
        || !string.IsNullOrEmpty(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
