using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Verifier.Keys;
using Verifier.Testing;
using Verifier.Validation;

namespace Verifier.Tests.TestKit;

/// <summary>
/// A LocalApiServer on real HTTPS at 127.0.0.1 and a host running the verifier against it (Local mode), sharing one
/// manual clock. The verifier trusts the server's CA (custom root trust) and authenticates with a service-account
/// token from a file, as in a pod.
/// </summary>
internal sealed class ApiServerHarness : IAsyncDisposable
{
    private readonly string _directory;

    private string TokenFile => Path.Combine(_directory, "token");

    private ApiServerHarness(LocalApiServer server, ManualTimeProvider time, IHost host, string directory)
    {
        Server = server;
        Time = time;
        Host = host;
        _directory = directory;
    }

    public LocalApiServer Server { get; }

    public ManualTimeProvider Time { get; }

    public IHost Host { get; }

    public IServiceAccountTokenVerifier Verifier => Host.Services.GetRequiredService<IServiceAccountTokenVerifier>();

    public KeyStore Store => Host.Services.GetRequiredService<KeyStore>();

    public LocalVerification Local => Host.Services.GetRequiredService<LocalVerification>();

    public long JwksFetches => Server.Counters.Count(ApiEndpoint.Jwks);

    public long DiscoveryFetches => Server.Counters.Count(ApiEndpoint.OidcDiscovery);

    /// <param name="configure">Verifier options on top of Local mode, the harness audience and the API server connection.</param>
    /// <param name="configureServer">LocalApiServer options; its clock is always the shared manual one.</param>
    /// <param name="configureServices">Extra registrations (e.g. the public-issuer client's CA trust).</param>
    /// <param name="start">Start the host (its key worker loads keys at once) and wait until ready.</param>
    public static async Task<ApiServerHarness> StartAsync(
        Action<KubernetesTokenVerifierOptions>? configure = null,
        Action<LocalApiServerOptions>? configureServer = null,
        Action<IServiceCollection, LocalApiServer>? configureServices = null,
        bool start = true)
    {
        var time = new ManualTimeProvider(KubeTokens.Now);
        var serverOptions = new LocalApiServerOptions { TimeProvider = time };
        configureServer?.Invoke(serverOptions);
        var server = await LocalApiServer.StartAsync(serverOptions);
        var directory = Directory.CreateTempSubdirectory("verifier-apiserver-").FullName;
        try
        {
            // The verifier's own credential: a service-account token (discovery is readable by system:serviceaccounts).
            var tokenFile = Path.Combine(directory, "token");
            await File.WriteAllTextAsync(tokenFile, server.IssueToken("default", "default", expirationSeconds: 86400 * 7));
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddKubernetesTokenVerifier(o =>
            {
                o.Mode = VerificationMode.Local;
                o.Audiences = [KubeTokens.Audience];
                o.Keys.Source = KeySourceKind.ApiServer;
                o.Keys.RefreshJitter = 0;
                o.ApiServer.Server = server.BaseAddress;
                o.ApiServer.CertificateAuthorityData = server.CaCertificatePem;
                o.ApiServer.TokenFile = tokenFile;
                configure?.Invoke(o);
            });
            configureServices?.Invoke(builder.Services, server);
            var host = builder.Build();
            var harness = new ApiServerHarness(server, time, host, directory);
            if (start)
            {
                await host.StartAsync();
            }

            return harness;
        }
        catch
        {
            await server.DisposeAsync();
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Rewrites the verifier's own token file with a token signed by the current key, as the kubelet does, and moves
    /// the clock past the re-read interval (1 min) so the next request uses it.
    /// </summary>
    public async Task RenewVerifierTokenAsync()
    {
        await File.WriteAllTextAsync(TokenFile, Server.IssueToken("default", "default", expirationSeconds: 86400 * 7));
        Time.Advance(TimeSpan.FromMinutes(1));
    }

    /// <summary>A token from the server for the harness audience (pod-bound when <paramref name="pod"/> is given).</summary>
    public string IssueToken(string? pod = null, long? expirationSeconds = null)
    {
        if (pod is not null && Server.GetPodUid("default", pod) is null)
        {
            Server.CreatePod("default", pod);
        }

        return Server.IssueToken("default", "default", [KubeTokens.Audience], expirationSeconds, pod is null ? null : BoundObjectRef.Pod(pod));
    }

    public Task<TokenVerificationResult> VerifyAsync(string token) =>
        Verifier.VerifyAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public Task WaitUntilReadyAsync() => Verifier.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Waits (bounded, real time) until <paramref name="condition"/> holds.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.WaitUntil(condition, what);

    /// <summary>A TCP port that was free a moment ago (for servers whose issuer must name their own port).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static X509ChainPolicy TrustOnly(X509Certificate2 ca) => new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        RevocationMode = X509RevocationMode.NoCheck,
        CustomTrustStore = { ca },
    };

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Host.Dispose();
            await Server.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
