using System.Net.Http.Headers;

namespace Verifier.Cluster;

/// <summary>Adds <c>Authorization: Bearer</c> with the connection's static token or its (re-read) token file.</summary>
internal sealed class ClusterBearerTokenHandler : DelegatingHandler
{
    private readonly string? _staticToken;
    private readonly BearerTokenFile? _tokenFile;

    public ClusterBearerTokenHandler(string? staticToken, BearerTokenFile? tokenFile)
    {
        _staticToken = staticToken;
        _tokenFile = tokenFile;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A caller that set its own Authorization (e.g. a TokenRequest made with another credential) keeps it.
        if (request.Headers.Authorization is null && (_staticToken ?? _tokenFile?.GetToken()) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
