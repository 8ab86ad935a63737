using System.Net;
using System.Text.Json.Nodes;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>A raw watch against LocalApiServer: the response, and its event lines read one at a time with a bound.</summary>
internal sealed class WatchStream : IDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpStatusCode StatusCode => _response.StatusCode;

    public string? ContentType => _response.Content.Headers.ContentType?.ToString();

    /// <summary>Opens <paramref name="pathAndQuery"/> (<c>watch=true</c> included by the caller) and returns once the headers are in.</summary>
    public static async Task<WatchStream> OpenAsync(HttpClient client, string pathAndQuery, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        return new WatchStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<JsonNode?> NextAsync()
    {
        var line = await _reader.ReadLineAsync().WaitAsync(Bound);
        return line is null ? null : JsonNode.Parse(line);
    }

    /// <summary>A read of the next line, not awaited: to show that nothing arrives.</summary>
    public Task<string?> PendingLine() => _reader.ReadLineAsync();

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
