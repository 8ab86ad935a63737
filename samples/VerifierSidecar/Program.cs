// The verify endpoint as a sidecar: everything comes from configuration (appsettings, environment, command line).
//   Verifier:*               the verifier (audiences, mode, API server, keys), e.g. Verifier__Audiences__0=factors
//   Verifier:Startup:*       WaitUntilReady (default false), ReadyTimeout, FailOnTimeout
//   Sidecar:Path             route of the verify endpoint, default /verify
//   Sidecar:Port             port, default 8080 (ignored when urls / ASPNETCORE_URLS / ASPNETCORE_HTTP_PORTS is set)
//   OTEL_EXPORTER_OTLP_ENDPOINT  export metrics (meter Verifier, ASP.NET Core hosting) over OTLP; default off
// Serves POST/GET {Path} (plain or TokenReview), POST {Path}/apis/authentication.k8s.io/v1/tokenreviews,
// /healthz/ready (verifier health) and /healthz/live.
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Verifier;
using Verifier.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
var configuration = builder.Configuration;
if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"]))
{
    builder.WebHost.UseUrls($"http://*:{configuration.GetValue("Sidecar:Port", 8080)}");
}

builder.Services.AddKubernetesTokenVerifier(configuration);
builder.Services.AddKubernetesTokenVerifierStartup(o => configuration.GetSection(KubernetesTokenVerifierStartupOptions.SectionName).Bind(o));
builder.Services.AddHealthChecks().AddKubernetesTokenVerifier();

// Metrics over OTLP only when an endpoint is configured (env OTEL_EXPORTER_OTLP_ENDPOINT or the same switch);
// the exporter reads the other OTEL_* settings (protocol, headers, interval) from configuration itself.
if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter("Verifier", "Microsoft.AspNetCore.Hosting").AddOtlpExporter());
}

var app = builder.Build();
app.MapKubernetesTokenVerification(configuration["Sidecar:Path"] ?? "/verify");
app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
await app.RunAsync();
