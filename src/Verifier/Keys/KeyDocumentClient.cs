using System.Net.Http.Headers;
using System.Text;

namespace Verifier.Keys;

/// <summary>
/// GETs a discovery or JWKS document with a response size cap. Why our own retriever on IdentityModel's types
/// rather than <c>ConfigurationManager</c> + <c>HttpDocumentRetriever</c>: the API server needs the verifier's bearer
/// token and cluster CA (the named client carries both); kube's JWKS lives at a fixed path on the API server while the
/// advertised <c>jwks_uri</c> is often unreachable from pods; <c>HttpDocumentRetriever</c> has no response size cap;
/// a fetched set must be validated before it replaces the current one; and refreshes must be single-flight with a
/// cooldown for unknown kids, driven by our <see cref="TimeProvider"/>.
/// </summary>
internal static class KeyDocumentClient
{
    private static readonly MediaTypeWithQualityHeaderValue[] AcceptValues =
    [
        // kube-apiserver's JWKS route is a go-restful Produces("application/jwk-set+json") route.
        new("application/jwk-set+json"),
        new("application/json"),
        new("*/*"),
    ];

    /// <exception cref="KeyFetchException">For a non-2xx status, a body over <paramref name="maxBytes"/>, or a transport error.</exception>
    public static async Task<string> GetStringAsync(HttpClient client, Uri uri, int maxBytes, CancellationToken cancellationToken) =>
        (await GetDocumentAsync(client, uri, maxBytes, cancellationToken).ConfigureAwait(false)).Body;

    /// <summary>As <see cref="GetStringAsync"/>, with the response's <c>Cache-Control: max-age</c> (null when absent).</summary>
    /// <exception cref="KeyFetchException">For a non-2xx status, a body over <paramref name="maxBytes"/>, or a transport error.</exception>
    public static async Task<(string Body, TimeSpan? MaxAge)> GetDocumentAsync(HttpClient client, Uri uri, int maxBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var value in AcceptValues)
        {
            request.Headers.Accept.Add(value);
        }

        var display = client.BaseAddress is not null && !uri.IsAbsoluteUri ? new Uri(client.BaseAddress, uri).ToString() : uri.ToString();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new KeyFetchException($"GET {display} returned {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
            {
                throw new KeyFetchException($"GET {display} returned {declared} bytes, more than the limit of {maxBytes} (Verifier:Keys:MaxResponseBytes).");
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[Math.Min(maxBytes + 1, 64 * 1024)];
                var length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length > maxBytes)
                        {
                            throw new KeyFetchException($"GET {display} returned more than the limit of {maxBytes} bytes (Verifier:Keys:MaxResponseBytes).");
                        }

                        Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }

                if (length > maxBytes)
                {
                    throw new KeyFetchException($"GET {display} returned more than the limit of {maxBytes} bytes (Verifier:Keys:MaxResponseBytes).");
                }

                try
                {
                    // A max-age that does not parse is dropped by the header parser: then there is none.
                    var maxAge = response.Headers.CacheControl?.MaxAge;
                    return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, length), maxAge);
                }
                catch (DecoderFallbackException ex)
                {
                    throw new KeyFetchException($"GET {display} returned a body that is not UTF-8.", ex);
                }
            }
        }
        catch (HttpRequestException ex)
        {
            throw new KeyFetchException($"GET {display} failed: {ex.Message}", ex);
        }
    }
}
