using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Verifier.Cluster;

/// <summary>
/// Adds <c>Authorization: Bearer</c> with the connection's static token, its (re-read) token file, or its exec
/// credential plugin's token. With a plugin, it also hands the credential to <see cref="ExecClientCertificateHandler"/>
/// (for a client certificate), and on a 401 runs the plugin again once and retries the request once, as client-go does.
/// </summary>
internal sealed class ClusterBearerTokenHandler : DelegatingHandler
{
    private readonly string? _staticToken;
    private readonly BearerTokenFile? _tokenFile;
    private readonly ExecCredentialPlugin? _plugin;
    private readonly ILogger _logger;

    public ClusterBearerTokenHandler(string? staticToken, BearerTokenFile? tokenFile, ExecCredentialPlugin? plugin = null, ILogger? logger = null)
    {
        _staticToken = staticToken;
        _tokenFile = tokenFile;
        _plugin = plugin;
        _logger = logger ?? NullLogger.Instance;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_plugin is not null)
        {
            return SendWithPluginAsync(_plugin, request, cancellationToken);
        }

        // A caller that set its own Authorization (e.g. a TokenRequest made with another credential) keeps it.
        if (request.Headers.Authorization is null && (_staticToken ?? _tokenFile?.GetToken()) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return base.SendAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendWithPluginAsync(ExecCredentialPlugin plugin, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var credential = await ObtainAsync(plugin.GetAsync(cancellationToken)).ConfigureAwait(false);
        var ownAuthorization = request.Headers.Authorization is null;
        Apply(request, credential, ownAuthorization);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

        // Retry only what our credential answered for, and only a body that can be sent again.
        if (response.StatusCode != HttpStatusCode.Unauthorized
            || (!ownAuthorization && credential.ClientCertificate is null)
            || request.Content is StreamContent)
        {
            return response;
        }

        ClusterLog.ExecCredentialRejected(_logger, plugin.Settings.Command, request.Method.Method, request.RequestUri?.AbsolutePath ?? "");
        var renewed = await ObtainAsync(new ValueTask<ExecCredential>(plugin.RenewAsync(credential, cancellationToken))).ConfigureAwait(false);
        response.Dispose();
        Apply(request, renewed, ownAuthorization);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A plugin that cannot give a credential fails the request as an authentication failure, not as a configuration
    /// exception: callers (KubernetesApiClient, a raw HttpClient user) see what they see for any request that cannot be
    /// authenticated, with the plugin's error as message and inner exception.
    /// </summary>
    private static async ValueTask<ExecCredential> ObtainAsync(ValueTask<ExecCredential> credential)
    {
        try
        {
            return await credential.ConfigureAwait(false);
        }
        catch (ClusterConfigurationException ex)
        {
            throw new HttpRequestException(HttpRequestError.UserAuthenticationError, ex.Message, ex);
        }
    }

    private static void Apply(HttpRequestMessage request, ExecCredential credential, bool ownAuthorization)
    {
        request.Options.Set(ExecClientCertificateHandler.CredentialOption, credential);
        if (ownAuthorization)
        {
            request.Headers.Authorization = credential.Token is { } token ? new AuthenticationHeaderValue("Bearer", token) : null;
        }
    }
}
