using System.Net.Http.Headers;

namespace Bench.E2e;

/// <summary>Adds the pod's service-account token (read from its file, re-read every minute as kubelet rotates it).</summary>
internal sealed class BearerTokenHandler(string tokenFile) : DelegatingHandler
{
    private string? _token;
    private long _readAt;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (_token is null || now - Volatile.Read(ref _readAt) > 60_000)
        {
            _token = File.ReadAllText(tokenFile).Trim();
            Volatile.Write(ref _readAt, now);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return base.SendAsync(request, cancellationToken);
    }
}
