using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Verifier.Testing.Server;
using Verifier.Testing.Tls;
using Verifier.Testing.Tokens;

namespace Verifier.Testing;

/// <summary>
/// An emulated subset of kube-apiserver on real HTTPS at 127.0.0.1: OIDC discovery and JWKS, TokenRequest,
/// TokenReview, namespaces/service accounts/pods, RBAC for those paths, plus fault injection and counters for
/// tests. It deliberately shares no code with the verifier it is used to test.
/// </summary>
/// <example>
/// <code>
/// await using var server = await LocalApiServer.StartAsync();
/// server.CreatePod("default", "web-0", nodeName: "node-1");
/// var token = server.IssueToken("default", "default", ["factors"], boundObject: BoundObjectRef.Pod("web-0"));
/// </code>
/// </example>
public sealed partial class LocalApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestCertificateAuthority _ca;
    private readonly ServerState _state;
    private readonly SigningKey? _ownedKey;
    private int _disposed;

    private LocalApiServer(WebApplication app, TestCertificateAuthority ca, ServerState state, SigningKey? ownedKey, string adminToken, Uri baseAddress)
    {
        _app = app;
        _ca = ca;
        _state = state;
        _ownedKey = ownedKey;
        AdminToken = adminToken;
        BaseAddress = baseAddress;
    }

    /// <summary><c>https://127.0.0.1:{port}/</c>, or <c>https://127.0.0.1:{port}{PathBase}/</c> with a <see cref="LocalApiServerOptions.PathBase"/>.</summary>
    public Uri BaseAddress { get; }

    public int Port => BaseAddress.Port;

    /// <summary>The CA that signed the server certificate; trust it with <see cref="X509ChainTrustMode.CustomRootTrust"/>.</summary>
    public X509Certificate2 CaCertificate => _ca.Certificate;

    /// <summary><see cref="CaCertificate"/> as PEM (what a pod finds in <c>/var/run/secrets/kubernetes.io/serviceaccount/ca.crt</c>).</summary>
    public string CaCertificatePem => _ca.CertificatePem;

    /// <summary>A bearer token for user <c>local-admin</c> in group <c>system:masters</c>.</summary>
    public string AdminToken { get; }

    /// <summary>The issuer that signs tokens (the first of <see cref="LocalApiServerOptions.Issuers"/>).</summary>
    public string Issuer => _state.Settings.SigningIssuer;

    /// <summary>The API audiences (TokenRequest's default audiences).</summary>
    public IReadOnlyList<string> ApiAudiences => _state.Settings.ApiAudiences;

    public TimeProvider TimeProvider => _state.Settings.Time;

    /// <summary>Requests answered, per endpoint and status.</summary>
    public ApiCounters Counters => _state.Counters;

    /// <summary>Faults to inject, per endpoint; effective for the next request.</summary>
    public ApiFaults Faults => _state.Faults;

    /// <exception cref="ArgumentException">For settings kube-apiserver refuses at startup (empty/duplicate issuers, a non-https JWKS URI, a max expiration outside [1 h, 2^32 s]).</exception>
    public static async Task<LocalApiServer> StartAsync(LocalApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalApiServerOptions();
        var settings = Validate(options);
        var adminToken = options.AdminToken ?? "admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var ownedKey = options.SigningKey is null ? SigningKey.CreateRsa() : null;
        var signingKey = options.SigningKey ?? ownedKey!;

        // Real clock for the certificate: TLS clients check validity against their own clock.
        var ca = TestCertificateAuthority.Create(TimeProvider.System);
        WebApplication? app = null;
        try
        {
            var pathBase = options.PathBase ?? "";
            var schedule = options.ExternalSigner is { } signer ? new ExternalSignerSchedule(signer, settings.Time.GetUtcNow()) : null;
            var keys = new KeyRing(signingKey, settings.SigningIssuer, options.JwksUri?.OriginalString ?? JwksUriFor(options.Port, pathBase), schedule, settings.Time);
            var store = new ObjectStore(options.WatchHistoryLimit);
            var state = new ServerState(
                settings,
                store,
                keys,
                new TokenIssuer(settings, store, keys),
                new TokenAuthenticator(settings, store, keys, adminToken),
                new Authorizer(options.IssuerDiscoveryGroups),
                new ApiFaults(),
                new ApiCounters(),
                IsValidDiscoveryIssuer(settings.SigningIssuer),
                new WatchHub(options.WatchBookmarkInterval),

                new PodLifecycle(store, settings.Time),
                new ServerIdentity(options.KubernetesVersion, ca.CertificatePem));
            Objects.CreateNamespace(state, "default");
            Objects.CreateNamespace(state, "kube-system");
            Objects.CreateNamespace(state, "kube-public");

            var handler = new ApiRequestHandler(state);
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;

                    // Before TLS: every accepted TCP connection, whatever it carries (ApiCounters.ConnectionsOpened).
                    listen.Use(next => async connection =>
                    {
                        state.Counters.ConnectionOpened();
                        try
                        {
                            await next(connection).ConfigureAwait(false);
                        }
                        finally
                        {
                            state.Counters.ConnectionClosed();
                        }
                    });
                    listen.UseHttps(ca.ServerCertificate);
                });
            });
            app = builder.Build();
            if (pathBase.Length > 0)
            {
                // What a path-routing proxy does: strip the prefix, and nothing outside it reaches the API server.
                app.UsePathBase(pathBase);
                app.Use((context, next) =>
                {
                    if (!context.Request.PathBase.HasValue)
                    {
                        context.Response.StatusCode = StatusCodes.Status404NotFound;
                        return Task.CompletedTask;
                    }

                    return next(context);
                });
            }

            app.Run(handler.HandleAsync);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(address).Port;
            if (options.JwksUri is null)
            {
                keys.SetJwksUri(JwksUriFor(port, pathBase));
            }

            return new LocalApiServer(app, ca, state, ownedKey, adminToken, new Uri($"https://127.0.0.1:{port}{pathBase}/"));
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            ca.Dispose();
            ownedKey?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An <see cref="HttpClient"/> for this server: base address set, TLS trusting only <see cref="CaCertificate"/>
    /// (custom root trust), and <paramref name="bearerToken"/> (if any) sent on every request.
    /// </summary>
    public HttpClient CreateHttpClient(string? bearerToken = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                    CustomTrustStore = { CaCertificate },
                },
            },
        };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _state.Pods.Dispose();
            await _app.DisposeAsync().ConfigureAwait(false);
            _ca.Dispose();
            _ownedKey?.Dispose();
        }
    }

    private static string JwksUriFor(int port, string pathBase) => $"https://127.0.0.1:{port}{pathBase}/openid/v1/jwks";

    /// <summary>NewOpenIDMetadata's issuer checks: https, no query, no fragment. Otherwise the routes are not installed.</summary>
    private static bool IsValidDiscoveryIssuer(string issuer) =>
        Uri.TryCreate(issuer, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.Query.Length == 0 && uri.Fragment.Length == 0;

    private static ApiServerSettings Validate(LocalApiServerOptions options)
    {
        if (options.PathBase is { } pathBase
            && (!pathBase.StartsWith('/') || pathBase.EndsWith('/') || pathBase.Contains('?', StringComparison.Ordinal) || pathBase.Contains('#', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"PathBase '{pathBase}' must start with '/' and end without one, e.g. /k8s/clusters/local.", nameof(options));
        }

        var issuers = options.Issuers.ToList();
        if (issuers.Count == 0 || issuers.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("service-account-issuer must not be empty: set LocalApiServerOptions.Issuers.", nameof(options));
        }

        if (issuers.Distinct(StringComparer.Ordinal).Count() != issuers.Count)
        {
            throw new ArgumentException("service-account-issuer contains a duplicate: remove it from LocalApiServerOptions.Issuers.", nameof(options));
        }

        foreach (var issuer in issuers)
        {
            if (issuer.Contains(':', StringComparison.Ordinal) && !Uri.TryCreate(issuer, UriKind.Absolute, out _))
            {
                throw new ArgumentException($"service-account-issuer {issuer} contained a ':' but was not a valid URL.", nameof(options));
            }
        }

        if (options.ExternalSigner is { } externalSigner)
        {
            ExternalSignerSchedule.Validate(externalSigner);
        }

        if (options.JwksUri is { } jwks && jwks.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("service-account-jwks-uri requires https scheme.", nameof(options));
        }

        long maxSeconds = 0;
        if (options.MaxTokenExpiration is { } max)
        {
            if (max < TimeSpan.FromHours(1) || max.TotalSeconds > uint.MaxValue)
            {
                throw new ArgumentException("the service-account-max-token-expiration must be between 1 hour and 2^32 seconds.", nameof(options));
            }

            maxSeconds = (long)max.TotalSeconds;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.TokenReviewCacheTtl, TimeSpan.Zero, nameof(options));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 0, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.WatchBookmarkInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WatchHistoryLimit, 1, nameof(options));
        if (options.KubernetesVersion is not { Major: 1, Minor: >= 0 })
        {
            throw new ArgumentException($"KubernetesVersion '{options.KubernetesVersion}' is not a Kubernetes 1.x release: set it like new Version(1, 33, 0).", nameof(options));
        }

        var audiences = options.ApiAudiences.Count > 0 ? options.ApiAudiences.ToList() : issuers;
        return new ApiServerSettings(issuers, audiences, maxSeconds, options.ExtendTokenExpiration, options.TokenReviewCacheTtl, options.TimeProvider) { EmptyKeyId = options.EmptyKeyId };
    }
}
