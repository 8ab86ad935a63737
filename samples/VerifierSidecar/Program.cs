// The verify endpoint as a sidecar: everything comes from configuration (appsettings, environment, command line).
//   Verifier:*               the verifier (audiences, mode, API server, keys), e.g. Verifier__Audiences__0=factors
//   Verifier:Startup:*       WaitUntilReady (default false), ReadyTimeout, FailOnTimeout
//   Sidecar:Path             route of the verify endpoint, default /verify
//   Sidecar:Port             port, default 8080 (ignored when urls / ASPNETCORE_URLS / ASPNETCORE_HTTP_PORTS is set)
//   OTEL_EXPORTER_OTLP_ENDPOINT  export metrics (meter Verifier, ASP.NET Core hosting) over OTLP; default off
//   Sidecar:ListenAddress    default 127.0.0.1 (only this machine); * for every interface, as in a container. The
//                            aspnet container images set ASPNETCORE_HTTP_PORTS, which binds every interface too.
// Serves POST/GET {Path} (plain or TokenReview), POST {Path}/apis/authentication.k8s.io/v1/tokenreviews,
// /healthz/ready (verifier health) and /healthz/live.
// A mistake is one line on stderr and an exit code: 2 bad command line, 3 a setting cannot work (named in the
// line), 5 the port is in use.
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Verifier;
using Verifier.Hosting;

return await Samples.SampleExit.RunAsync("VerifierSidecar", () =>
{
    // appsettings.json next to the assembly, wherever it is started from (dotnet run keeps the caller's directory).
    var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    var configuration = builder.Configuration;
    if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"]))
    {
        // Loopback unless told otherwise: a verify endpoint does not check who asks (see README), so on a developer's
        // machine it must not be reachable from the network.
        var address = configuration["Sidecar:ListenAddress"] ?? "127.0.0.1";
        builder.WebHost.UseUrls($"http://{address}:{configuration.GetValue("Sidecar:Port", 8080)}");
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
    return app;
});
