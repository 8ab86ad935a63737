using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Verifier.Client;

namespace TokenClient;

/// <summary>
/// The factors client: calls <c>GET {TokenClient:ServerUrl}/factors/{n}</c> with a service-account token attached by
/// <see cref="ServiceAccountTokenHandler"/> and prints each answer. The token comes from the projected file
/// <c>TokenClient:TokenPath</c>, or, when <c>TokenClient:TokenRequest:ServiceAccountName</c> is set, from the
/// TokenRequest API (<c>TokenClient:TokenRequest:*</c> binds <see cref="TokenRequestSourceOptions"/>).
/// </summary>
public static class FactorsClient
{
    public const string SectionName = "TokenClient";
    public const string HttpClientName = "factors";
    public const string DefaultTokenPath = "/var/run/secrets/tokens/factor-token";
    public const string DefaultServerUrl = "http://token-server.token-demo.svc:8080";
    public const string DefaultAudience = "factors";
    public const long DefaultN = 360;

    /// <summary>
    /// Runs the client until <c>TokenClient:Count</c> calls are made (default 0: forever, every <c>TokenClient:Interval</c>,
    /// default 10 s, as the Deployment does) or <paramref name="cancellationToken"/> fires. Returns 0 when the last call got 200.
    /// </summary>
    /// <param name="args">
    /// Configuration switches (<c>--TokenClient:ServerUrl=…</c>), an optional number to factor, and
    /// <c>--local KUBECONFIG</c>: TokenRequest for <c>token-demo/token-client-test</c> through that kubeconfig, server
    /// <c>http://127.0.0.1:8080</c>, one call (switches given after it still win).
    /// </param>
    /// <param name="configure">Extra setup before build (tests add configuration here).</param>
    /// <param name="output">Where answers are printed. Default <see cref="Console.Out"/>.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    public static async Task<int> RunAsync(string[] args, Action<HostApplicationBuilder>? configure = null, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        output ??= Console.Out;
        var (switches, n) = ExpandArguments(args);
        var builder = Host.CreateApplicationBuilder(switches);

        // The answers are the output: per-request HttpClient chatter only at Warning (a more specific Logging:LogLevel category still wins).
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        configure?.Invoke(builder);
        var section = builder.Configuration.GetSection(SectionName);
        n = n ?? section.GetValue<long?>("N") ?? DefaultN;
        var serverUrl = new Uri(section["ServerUrl"] ?? DefaultServerUrl);
        var count = section.GetValue("Count", 0);
        var interval = section.GetValue("Interval", TimeSpan.FromSeconds(10));

        builder.Services.AddHttpClient(HttpClientName, client =>
            {
                client.BaseAddress = serverUrl;
                client.Timeout = TimeSpan.FromSeconds(10);
            })
            .AddServiceAccountToken(options => ConfigureTokenSource(options, section));

        using var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
            var path = "/factors/" + n.Value.ToString(CultureInfo.InvariantCulture);
            var succeeded = false;
            for (var call = 1; count <= 0 || call <= count; call++)
            {
                succeeded = await CallAsync(client, path, output, cancellationToken).ConfigureAwait(false);
                if (count > 0 && call == count)
                {
                    break;
                }

                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }

            return succeeded ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<bool> CallAsync(HttpClient client, string path, TextWriter output, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"GET {client.BaseAddress}{path.TrimStart('/')} -> {(int)response.StatusCode} {Describe(response, body)}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or ServiceAccountTokenException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No token yet (file not projected, TokenRequest refused) or server unreachable: report and try again next round.
            await output.WriteLineAsync($"GET {client.BaseAddress}{path.TrimStart('/')} failed: {ex.GetType().Name}: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>The body, or for an RFC 9457 problem (the server's 401/403/503) its <c>title: detail</c>.</summary>
    internal static string Describe(HttpResponseMessage response, string body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return body;
        }

        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Text("title"), Text("detail")) switch
            {
                ({ } title, { } detail) => $"{title}: {detail}",
                ({ } title, null) => title,
                _ => body,
            };
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static void ConfigureTokenSource(ServiceAccountTokenOptions options, IConfigurationSection section)
    {
        var tokenRequest = section.GetSection("TokenRequest");
        if (!string.IsNullOrEmpty(tokenRequest["ServiceAccountName"]))
        {
            var request = new TokenRequestSourceOptions();
            tokenRequest.Bind(request);

            // Bound after the defaults: the binder appends to lists, so the sample's audience is added only when none is configured.
            if (request.Audiences.Count == 0)
            {
                request.Audiences.Add(DefaultAudience);
            }

            options.TokenRequest = request;
            return;
        }

        options.Projected.Path = section["TokenPath"] ?? DefaultTokenPath;
    }

    /// <summary>Turns <c>--local KUBECONFIG</c> into configuration switches (placed first, so later ones win) and picks out a bare number.</summary>
    internal static (string[] Switches, long? N) ExpandArguments(string[] args)
    {
        var switches = new List<string>();
        var local = new List<string>();
        long? n = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--local")
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException("--local needs the kubeconfig of a running LocalApiServer, e.g. --local /tmp/local-apiserver.kubeconfig");
                }

                var kubeconfig = Path.GetFullPath(args[++i]);
                if (!File.Exists(kubeconfig))
                {
                    throw new ArgumentException($"--local {args[i]}: no such kubeconfig; start LocalApiServer first (dotnet run --project src/Verifier.Testing.Host -- --kubeconfig {args[i]}) or pass the path it wrote");
                }

                local.AddRange(
                [
                    $"--{SectionName}:ServerUrl=http://127.0.0.1:8080",
                    $"--{SectionName}:Count=1",
                    $"--{SectionName}:TokenRequest:Namespace=token-demo",
                    $"--{SectionName}:TokenRequest:ServiceAccountName=token-client-test",
                    $"--{SectionName}:TokenRequest:ApiServer:KubeconfigPath={kubeconfig}",
                ]);
            }
            else if (!args[i].StartsWith('-') && long.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                n = value;
            }
            else
            {
                switches.Add(args[i]);
            }
        }

        return ([.. local, .. switches], n);
    }
}
