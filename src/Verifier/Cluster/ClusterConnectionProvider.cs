using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Verifier.Cluster;

/// <summary>
/// Resolves one <see cref="ApiServerOptions"/> once, on first use, logs the outcome (loudly for
/// <c>insecure-skip-tls-verify</c>), and owns the state shared by every handler the factory builds for it: the
/// re-read bearer token file and the exec credential plugin (one cache, one run at a time, for every client of the
/// connection). A configuration error is thrown on every access, not just the first.
/// </summary>
internal sealed class ClusterConnectionProvider : IClusterConnectionProvider
{
    private readonly Lazy<ClusterConnection?> _connection;
    private readonly Lazy<BearerTokenFile?> _tokenFile;
    private readonly Lazy<ExecCredentialPlugin?> _exec;

    public ClusterConnectionProvider(ApiServerOptions options, IEnvironmentVariables environment, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Options = options;
        var logger = loggerFactory.CreateLogger("Verifier.Cluster");
        _connection = new Lazy<ClusterConnection?>(() => Resolve(options, environment, logger));
        _tokenFile = new Lazy<BearerTokenFile?>(() =>
            _connection.Value?.TokenFile is { } path ? new BearerTokenFile(path, options.TokenRereadInterval, time, logger) : null);
        _exec = new Lazy<ExecCredentialPlugin?>(() =>
            _connection.Value is { Exec: { } exec } connection ? new ExecCredentialPlugin(exec, connection.Source, options.ExecTimeout, time, logger) : null);
    }

    public ApiServerOptions Options { get; }

    /// <exception cref="ClusterConfigurationException">When the settings point at an API server but cannot work.</exception>
    public ClusterConnection? Connection => _connection.Value;

    /// <summary>The shared, re-read token file of the connection; null without one.</summary>
    public BearerTokenFile? TokenFile => _tokenFile.Value;

    /// <summary>The shared exec credential plugin of the connection; null without one.</summary>
    public ExecCredentialPlugin? ExecPlugin => _exec.Value;

    /// <exception cref="ClusterConfigurationException">When no API server is configured, or the settings cannot work.</exception>
    public ClusterConnection RequireConnection() =>
        Connection ?? throw new ClusterConfigurationException(
            "No API server is configured: set ApiServer:Server (e.g. http://127.0.0.1:8001 behind `kubectl proxy`), " +
            "ApiServer:KubeconfigPath, or run in a pod (KUBERNETES_SERVICE_HOST).");

    private static ClusterConnection? Resolve(ApiServerOptions options, IEnvironmentVariables environment, ILogger logger)
    {
        Validate(options);
        var connection = ClusterConnectionResolver.Resolve(options, environment);
        if (connection is null)
        {
            return null;
        }

        var trust = connection.Server.Scheme == Uri.UriSchemeHttp ? "none (plain http)"
            : connection.InsecureSkipTlsVerify ? "NOT VERIFIED"
            : connection.CertificateAuthorities is { } cas ? string.Create(CultureInfo.InvariantCulture, $"{cas.Count} cluster CA certificate(s)")
            : "system store";
        ClusterLog.ConnectionResolved(logger, connection.Server, connection.Source, connection.CredentialKind, trust);
        if (connection.InsecureSkipTlsVerify)
        {
            ClusterLog.InsecureSkipTlsVerify(logger, connection.Server, connection.Source);
        }

        return connection;
    }

    private static void Validate(ApiServerOptions options)
    {
        if (ApiServerOptionsValidator.Problems(options, "ApiServer:") is [var first, ..])
        {
            throw new ClusterConfigurationException(first);
        }
    }
}
