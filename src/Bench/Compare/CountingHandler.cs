namespace Bench.Compare;

/// <summary>Counts the TokenReview requests a verifier sends, whichever API server it talks to.</summary>
internal sealed class CountingHandler(RequestCounter counter) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri?.AbsolutePath.EndsWith("/tokenreviews", StringComparison.Ordinal) == true)
        {
            counter.Increment();
        }

        return base.SendAsync(request, cancellationToken);
    }
}
