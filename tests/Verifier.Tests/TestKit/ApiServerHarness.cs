using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Verifier.Keys;
using Verifier.Shadow;
using Verifier.Testing;
using Verifier.TokenReview;
using Verifier.Validation;

namespace Verifier.Tests.TestKit;

/// <summary>
/// The integration level: the verifier as an application registers it (<c>AddKubernetesTokenVerifier</c> on a generic
/// host) against a LocalApiServer on real HTTPS at 127.0.0.1, with one <see cref="ManualTimeProvider"/> shared by both,
/// so token times, deletion timestamps, liveness TTLs, retry delays and key refreshes all move together. The verifier
/// trusts the server's CA (custom root trust) and authenticates, as in a pod, with a token file of the service account
/// <c>kube-system/token-verifier</c>, bound to <c>system:auth-delegator</c> unless told otherwise.
/// </summary>
internal sealed class ApiServerHarness : IAsyncDisposable
{
    /// <summary>The audience the verifier accepts and <see cref="IssueToken"/> / <see cref="PodToken"/> issue for.</summary>
    public const string Audience = KubeTokens.Audience;

    private const string VerifierNamespace = "kube-system";
    private const string VerifierAccount = "token-verifier";

    private readonly string _directory;
    private bool _started;

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

    public IServiceProvider Services => Host.Services;

    public IServiceAccountTokenVerifier Verifier => Services.GetRequiredService<IServiceAccountTokenVerifier>();

    public KeyStore Store => Services.GetRequiredService<KeyStore>();

    public LocalVerification Local => Services.GetRequiredService<LocalVerification>();

    public TokenReviewer Reviewer => Services.GetRequiredService<TokenReviewer>();

    public IShadowComparisonReporter Shadow => Services.GetRequiredService<IShadowComparisonReporter>();

    public long JwksFetches => Server.Counters.Count(ApiEndpoint.Jwks);

    public long DiscoveryFetches => Server.Counters.Count(ApiEndpoint.OidcDiscovery);

    /// <summary>TokenReview requests the API server answered (any status).</summary>
    public long TokenReviews => Server.Counters.Count(ApiEndpoint.TokenReview);

    private string TokenFile => Path.Combine(_directory, "token");

    /// <param name="mode">The verifier's mode (default Local).</param>
    /// <param name="configure">Further verifier options, applied last (after mode, audience, API-server connection).</param>
    /// <param name="configureServer">LocalApiServer options; its clock is always the shared manual one.</param>
    /// <param name="configureServices">Extra registrations (e.g. the public-issuer client's CA trust).</param>
    /// <param name="startHost">
    /// Start the host, so its key worker loads keys at once and refreshes them on the shared clock. Without it nothing
    /// runs in the background: call <see cref="LoadKeysAsync"/> where the mode needs keys.
    /// </param>
    /// <param name="authDelegator">Bind the verifier's service account to <c>system:auth-delegator</c> (TokenReview).</param>
    /// <param name="ownToken">Replaces the verifier's own bearer token (e.g. garbage, or the server's admin token).</param>
    public static async Task<ApiServerHarness> StartAsync(
        VerificationMode mode = VerificationMode.Local,
        Action<KubernetesTokenVerifierOptions>? configure = null,
        Action<LocalApiServerOptions>? configureServer = null,
        Action<IServiceCollection, LocalApiServer>? configureServices = null,
        bool startHost = true,
        bool authDelegator = true,
        Func<LocalApiServer, string>? ownToken = null)
    {
        var time = new ManualTimeProvider(KubeTokens.Now);
        var serverOptions = new LocalApiServerOptions { TimeProvider = time };
        configureServer?.Invoke(serverOptions);
        var server = await LocalApiServer.StartAsync(serverOptions);
        var directory = Directory.CreateTempSubdirectory("verifier-apiserver-").FullName;
        try
        {
            server.CreateServiceAccount(VerifierNamespace, VerifierAccount);
            if (authDelegator)
            {
                server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, VerifierNamespace, VerifierAccount);
            }

            // The verifier's own credential: a service-account token (discovery is readable by system:serviceaccounts).
            var tokenFile = Path.Combine(directory, "token");
            await File.WriteAllTextAsync(tokenFile, ownToken?.Invoke(server) ?? VerifierToken(server));

            // No default configuration sources or log providers: the test decides everything.
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddKubernetesTokenVerifier(o =>
            {
                o.Mode = mode;
                o.Audiences = [Audience];
                o.Keys.Source = KeySourceKind.ApiServer;
                o.Keys.RefreshJitter = 0;
                o.ApiServer.Server = server.BaseAddress;
                o.ApiServer.CertificateAuthorityData = server.CaCertificatePem;
                o.ApiServer.TokenFile = tokenFile;
                o.ApiServer.UseInCluster = false;
                configure?.Invoke(o);
            });
            configureServices?.Invoke(builder.Services, server);
            var harness = new ApiServerHarness(server, time, builder.Build(), directory);
            if (startHost)
            {
                await harness.Host.StartAsync();
                harness._started = true;
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

    /// <summary>Loads the key set once, as the hosted worker would at startup (for a harness whose host is not started).</summary>
    public async Task LoadKeysAsync()
    {
        var loaded = await Store.RefreshAsync(KeyRefreshTrigger.Startup).WaitAsync(TimeSpan.FromSeconds(30));
        if (!loaded)
        {
            throw new InvalidOperationException("The key set did not load: " + Verifier.GetStatus().LastKeyRefreshError);
        }
    }

    /// <summary>
    /// Rewrites the verifier's own token file with a token signed by the current key, as the kubelet does, and moves
    /// the clock past the re-read interval (1 min) so the next request uses it.
    /// </summary>
    public async Task RenewVerifierTokenAsync()
    {
        await WriteVerifierTokenAsync();
        Time.Advance(TimeSpan.FromMinutes(1));
    }

    /// <summary>Rewrites the verifier's own token file with a token signed by the current key, without moving the clock.</summary>
    public Task WriteVerifierTokenAsync() => File.WriteAllTextAsync(TokenFile, VerifierToken(Server));

    /// <summary>A token of <c>default/default</c> for <see cref="Audience"/>, bound to <paramref name="pod"/> when given.</summary>
    public string IssueToken(string? pod = null, long? expirationSeconds = null)
    {
        if (pod is not null && Server.GetPodUid("default", pod) is null)
        {
            Server.CreatePod("default", pod);
        }

        return Server.IssueToken("default", "default", [Audience], expirationSeconds, pod is null ? null : BoundObjectRef.Pod(pod));
    }

    /// <summary>A pod in <c>default</c> (created when missing) and a token bound to it for <paramref name="audience"/>.</summary>
    public string PodToken(string pod, long expirationSeconds = 3600, string audience = Audience)
    {
        if (Server.GetPodUid("default", pod) is null)
        {
            Server.CreatePod("default", pod);
        }

        return Server.IssueToken("default", "default", [audience], expirationSeconds, BoundObjectRef.Pod(pod));
    }

    public Task<TokenVerificationResult> VerifyAsync(string token) =>
        Verifier.VerifyAsync(token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public Task WaitUntilReadyAsync() => Verifier.WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_started)
            {
                await Host.StopAsync(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            if (Host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                Host.Dispose();
            }

            await Server.DisposeAsync();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }

    private static string VerifierToken(LocalApiServer server) =>
        server.IssueToken(VerifierNamespace, VerifierAccount, expirationSeconds: 86_400 * 7);
}
