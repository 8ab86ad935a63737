using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Verifier;
using Verifier.Testing;

namespace Verifier.Tests.TestKit;

/// <summary>
/// A LocalApiServer on 127.0.0.1 with namespace <c>token-demo</c> (service accounts <c>token-client-test</c> and
/// <c>intruder</c>, pod <c>token-client-0</c> on node <c>node-1</c>), plus a web app using the real verifier (Local
/// mode unless the test configures another) against that server through its admin kubeconfig, on TestServer or
/// real Kestrel at 127.0.0.1.
/// </summary>
internal sealed class LocalClusterApp : IAsyncDisposable
{
    public const string Namespace = "token-demo";
    public const string ClientAccount = "token-client-test";
    public const string OtherAccount = "intruder";
    public const string Pod = "token-client-0";
    public const string Node = "node-1";
    public const string Audience = "factors";

    private readonly TempDirectory _directory;

    private LocalClusterApp(LocalApiServer api, TempDirectory directory, string kubeconfigPath)
    {
        Api = api;
        _directory = directory;
        KubeconfigPath = kubeconfigPath;
    }

    public LocalApiServer Api { get; }

    public string KubeconfigPath { get; }

    public WebApplication App { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IServiceAccountTokenVerifier Verifier => App.Services.GetRequiredService<IServiceAccountTokenVerifier>();

    /// <param name="configureServices">Extra services (scheme, health checks, …) after the verifier is registered.</param>
    /// <param name="configureApp">Middleware and endpoints.</param>
    /// <param name="time">Shared by the LocalApiServer and the verifier; default the system clock.</param>
    /// <param name="kestrel">Real Kestrel on 127.0.0.1:0 instead of TestServer.</param>
    /// <param name="logs">Receives every log entry of the app (all categories, Trace); default none.</param>
    /// <param name="beforeStart">Runs after the app is built and before it starts (attach listeners here).</param>
    /// <param name="waitUntilReady">Wait for the first key set (bounded) before returning.</param>
    /// <param name="configureApi">Runs on the LocalApiServer before the app starts (faults, extra objects).</param>
    public static async Task<LocalClusterApp> StartAsync(
        Action<WebApplicationBuilder>? configureServices,
        Action<WebApplication> configureApp,
        TimeProvider? time = null,
        bool kestrel = false,
        ILoggerProvider? logs = null,
        Action<WebApplication>? beforeStart = null,
        bool waitUntilReady = true,
        Action<LocalApiServer>? configureApi = null)
    {
        var apiOptions = new LocalApiServerOptions { TimeProvider = time ?? TimeProvider.System };
        var api = await LocalApiServer.StartAsync(apiOptions);
        var directory = new TempDirectory();
        var cluster = new LocalClusterApp(api, directory, Path.Combine(directory.Path, "kubeconfig"));
        try
        {
            api.CreateNamespace(Namespace);
            api.CreateServiceAccount(Namespace, ClientAccount);
            api.CreateServiceAccount(Namespace, OtherAccount);
            api.CreateNode(Node);
            api.CreatePod(Namespace, Pod, ClientAccount, Node);
            api.WriteKubeconfig(cluster.KubeconfigPath);
            configureApi?.Invoke(api);
            await cluster.StartAppAsync(configureServices, configureApp, time, kestrel, logs, beforeStart, waitUntilReady);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A TokenRequest token from the LocalApiServer.</summary>
    public string IssueToken(string serviceAccount = ClientAccount, string[]? audiences = null, bool podBound = true, long? expirationSeconds = null) =>
        Api.IssueToken(Namespace, serviceAccount, audiences ?? [Audience], expirationSeconds, podBound ? BoundObjectRef.Pod(Pod) : null);

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        await Api.DisposeAsync();
        _directory.Dispose();
    }

    private async Task StartAppAsync(
        Action<WebApplicationBuilder>? configureServices,
        Action<WebApplication> configureApp,
        TimeProvider? time,
        bool kestrel,
        ILoggerProvider? logs,
        Action<WebApplication>? beforeStart,
        bool waitUntilReady)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddFilter(_ => true);
            builder.Logging.AddProvider(logs);
        }

        if (kestrel)
        {
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddKubernetesTokenVerifier(o =>
        {
            o.Audiences = [Audience];
            o.Mode = VerificationMode.Local;
            o.ApiServer.KubeconfigPath = KubeconfigPath;
        });
        configureServices?.Invoke(builder);

        App = builder.Build();
        configureApp(App);
        beforeStart?.Invoke(App);
        await App.StartAsync();
        if (kestrel)
        {
            var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        }
        else
        {
            Client = App.GetTestClient();
        }

        if (waitUntilReady)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await Verifier.WaitUntilReadyAsync(timeout.Token);
        }
    }
}
