using Microsoft.Extensions.DependencyInjection;
using Verifier.Hybrid;
using Verifier.Keys;
using Verifier.Shadow;
using Verifier.Testing;
using Verifier.TokenReview;

namespace Verifier.Tests.TestKit;

/// <summary>
/// The verifier as an application registers it (<c>AddKubernetesTokenVerifier</c>) against a LocalApiServer on real
/// HTTPS at 127.0.0.1, with one <see cref="ManualTimeProvider"/> shared by both, so token times, deletion timestamps,
/// liveness TTLs and retry delays all move together. The verifier authenticates as the service account
/// <c>kube-system/token-verifier</c>, bound to <c>system:auth-delegator</c> unless told otherwise.
/// </summary>
internal sealed class ModeHarness : IAsyncDisposable
{
    public const string Audience = "api";

    private readonly string _directory;
    private ServiceProvider? _services;

    private ModeHarness(LocalApiServer server, ManualTimeProvider time, string directory)
    {
        Server = server;
        Time = time;
        _directory = directory;
    }

    public LocalApiServer Server { get; }

    public ManualTimeProvider Time { get; }

    public IServiceAccountTokenVerifier Verifier { get; private set; } = null!;

    public IServiceProvider Services => _services!;

    public TokenReviewer Reviewer => Services.GetRequiredService<TokenReviewer>();

    public IShadowComparisonReporter Shadow => Services.GetRequiredService<IShadowComparisonReporter>();

    /// <summary>TokenReview requests the API server answered (any status).</summary>
    public long TokenReviews => Server.Counters.Count(ApiEndpoint.TokenReview);

    /// <param name="mode">The verifier's mode.</param>
    /// <param name="configure">Further verifier options (applied last).</param>
    /// <param name="authDelegator">Bind the verifier's service account to <c>system:auth-delegator</c>.</param>
    /// <param name="ownToken">Replaces the verifier's own bearer token (e.g. garbage, or the server's admin token).</param>
    /// <param name="serverOptions">LocalApiServer options (its clock is always the shared one).</param>
    public static async Task<ModeHarness> StartAsync(
        VerificationMode mode,
        Action<KubernetesTokenVerifierOptions>? configure = null,
        bool authDelegator = true,
        Func<LocalApiServer, string>? ownToken = null,
        Action<LocalApiServerOptions>? serverOptions = null)
    {
        var time = new ManualTimeProvider();
        var options = new LocalApiServerOptions { TimeProvider = time };
        serverOptions?.Invoke(options);
        var server = await LocalApiServer.StartAsync(options);
        var directory = Directory.CreateTempSubdirectory("modes-").FullName;
        var harness = new ModeHarness(server, time, directory);
        try
        {
            server.CreateServiceAccount("kube-system", "token-verifier");
            if (authDelegator)
            {
                server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, "kube-system", "token-verifier");
            }

            var tokenFile = Path.Combine(directory, "token");
            await File.WriteAllTextAsync(tokenFile, ownToken?.Invoke(server) ?? server.IssueToken("kube-system", "token-verifier", expirationSeconds: 86_400));

            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(time);
            services.AddKubernetesTokenVerifier(o =>
            {
                o.Audiences = [Audience];
                o.Mode = mode;
                o.ApiServer.Server = server.BaseAddress;
                o.ApiServer.CertificateAuthorityData = server.CaCertificatePem;
                o.ApiServer.TokenFile = tokenFile;
                o.ApiServer.UseInCluster = false;
                configure?.Invoke(o);
            });
            harness._services = services.BuildServiceProvider();
            harness.Verifier = harness._services.GetRequiredService<IServiceAccountTokenVerifier>();
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Loads the key set once, as the hosted worker would at startup (no host runs in these tests).</summary>
    public async Task LoadKeysAsync()
    {
        var loaded = await Services.GetRequiredService<KeyStore>().RefreshAsync(KeyRefreshTrigger.Startup).WaitAsync(TimeSpan.FromSeconds(30));
        if (!loaded)
        {
            throw new InvalidOperationException("The key set did not load: " + Verifier.GetStatus().LastKeyRefreshError);
        }
    }

    /// <summary>A pod in <c>default</c> (on node <c>node-1</c>) and a token bound to it for <see cref="Audience"/>.</summary>
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

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
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
