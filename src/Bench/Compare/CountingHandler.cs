namespace Bench.Compare;

/// <summary>
/// Counts the requests a verifier sends to the API server, whichever API server it talks to: TokenReviews, watch
/// requests (<c>watch=true</c>: one per stream opened), and every request (keys, lists and watches included).
/// </summary>
internal sealed class CountingHandler(RequestCounter tokenReviews, RequestCounter? all = null, RequestCounter? watches = null) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        all?.Increment();
        var uri = request.RequestUri;
        if (uri?.AbsolutePath.EndsWith("/tokenreviews", StringComparison.Ordinal) == true)
        {
            tokenReviews.Increment();
        }
        else if (watches is not null && uri?.Query.Contains("watch=true", StringComparison.Ordinal) == true)
        {
            watches.Increment();
        }

        return base.SendAsync(request, cancellationToken);
    }
}
