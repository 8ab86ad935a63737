using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Verifier.Client;
using Verifier.Testing;
using Verifier.Tests.Cluster;

namespace Verifier.Tests.Client;

/// <summary>
/// The handler against a real loopback server that accepts exactly one token (the one the "kubelet" wrote last), as a
/// service behind the verifier would after the client's file rotated.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ServiceAccountTokenHandlerTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<string> _received = [];
    private TestHttpsServer? _server;
    private string _accepted = "";
    private bool _alwaysReject;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dir.Dispose();
    }

    private async Task<Uri> StartAsync()
    {
        _server = await TestHttpsServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var authorization = context.Request.Headers.Authorization.ToString();
            lock (_received)
            {
                _received.Add($"{context.Request.Method} {body}");
            }

            if (_alwaysReject || authorization != "Bearer " + _accepted)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await context.Response.WriteAsync("factors of " + body);
        });
        return _server.Address;
    }

    private string NewToken(string subject) => KubeTokens.Unsigned(_time.GetUtcNow(), _time.GetUtcNow().AddMinutes(10), subject);

    // The file holds `stale`, the server already wants `fresh` (the file rotated after our last read).
    private (HttpClient Client, string Stale, string Fresh) CreateClientWithRotatedFile(Uri address)
    {
        var stale = NewToken("stale");
        var path = _dir.Write("factor-token", stale);
        var source = new ProjectedTokenSource(new ProjectedTokenSourceOptions { Path = path, WatchForChanges = false }, _time);
        var fresh = NewToken("fresh");
        File.WriteAllText(path, fresh);
        _accepted = fresh;
        var client = new HttpClient(new ServiceAccountTokenHandler(source) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = address };
        return (client, stale, fresh);
    }

    private string[] Received()
    {
        lock (_received)
        {
            return [.. _received];
        }
    }

    [Test]
    public async Task Send_401_ReloadsTokenAndRetriesOnceWithBody()
    {
        var (client, _, _) = CreateClientWithRotatedFile(await StartAsync());
        using (client)
        {
            using var response = await client.PostAsync(new Uri("/factors", UriKind.Relative), new StringContent("42", Encoding.UTF8));

            Assert.Multiple(async () =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("factors of 42"));
                Assert.That(Received(), Has.Length.EqualTo(2));
                Assert.That(Received()[1], Does.EndWith(" 42"), "the body was sent again");
            });
        }
    }

    [Test]
    public async Task Send_StreamBodyOfKnownLength_BufferedAndReplayed()
    {
        var (client, _, _) = CreateClientWithRotatedFile(await StartAsync());
        using (client)
        {
            using var stream = new NonSeekableStream(Encoding.UTF8.GetBytes("360"));
            using var content = new StreamContent(stream);
            content.Headers.ContentLength = 3;

            using var response = await client.PostAsync(new Uri("/factors", UriKind.Relative), content);

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(Received().Select(r => r.Split(' ')[^1]), Is.EqualTo(new[] { "360", "360" }));
            });
        }
    }

    [Test]
    public async Task Send_StreamBodyOfUnknownLength_401ReturnedNotRetried()
    {
        var (client, _, _) = CreateClientWithRotatedFile(await StartAsync());
        using (client)
        {
            using var stream = new NonSeekableStream(Encoding.UTF8.GetBytes("7"));
            using var content = new StreamContent(stream);

            using var response = await client.PostAsync(new Uri("/factors", UriKind.Relative), content);

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
                Assert.That(Received(), Has.Length.EqualTo(1));
            });
        }
    }

    [Test]
    public async Task Send_JsonContent_Replayed()
    {
        var (client, _, _) = CreateClientWithRotatedFile(await StartAsync());
        using (client)
        {
            using var response = await client.PostAsJsonAsync(new Uri("/factors", UriKind.Relative), 12);

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(Received().Select(r => r.Split(' ')[^1]), Is.EqualTo(new[] { "12", "12" }));
            });
        }
    }

    [Test]
    public async Task Send_Still401AfterReload_ReturnedAfterExactlyOneRetry()
    {
        var (client, _, _) = CreateClientWithRotatedFile(await StartAsync());
        _alwaysReject = true;
        using (client)
        {
            using var response = await client.GetAsync(new Uri("/factors/6", UriKind.Relative));

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
                Assert.That(Received(), Has.Length.EqualTo(2));
            });
        }
    }

    [Test]
    public async Task Send_ValidToken_OneRequest()
    {
        var address = await StartAsync();
        var token = NewToken("only");
        _accepted = token;
        var path = _dir.Write("t", token);
        using var client = new HttpClient(new ServiceAccountTokenHandler(
            new ProjectedTokenSource(new ProjectedTokenSourceOptions { Path = path, WatchForChanges = false }, _time))
        { InnerHandler = new SocketsHttpHandler() })
        { BaseAddress = address };

        using var response = await client.GetAsync(new Uri("/factors/6", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Received(), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public async Task Send_NoValidToken_ThrowsWithoutSending()
    {
        var address = await StartAsync();
        using var client = new HttpClient(new ServiceAccountTokenHandler(
            new ProjectedTokenSource(new ProjectedTokenSourceOptions { Path = Path.Combine(_dir.Path, "none"), WatchForChanges = false }, _time))
        { InnerHandler = new SocketsHttpHandler() })
        { BaseAddress = address };

        var ex = await Assert.ThrowsAsync<ServiceAccountTokenException>(() => client.GetAsync(new Uri("/factors/6", UriKind.Relative)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ServiceAccountTokenErrorKind.Unreadable));
            Assert.That(Received(), Is.Empty);
        });
    }

    [Test]
    public async Task AddServiceAccountToken_ProjectedPath_ClientSendsTheFileToken()
    {
        var address = await StartAsync();
        var token = NewToken("registered");
        _accepted = token;
        var path = _dir.Write("factor-token", token);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddHttpClient("factors", c => c.BaseAddress = address).AddServiceAccountToken(path);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("factors");
        using var response = await client.PostAsync(new Uri("/factors", UriKind.Relative), new StringContent("10"));
        var source = provider.GetRequiredKeyedService<IServiceAccountTokenSource>("factors");

        Assert.Multiple(async () =>
        {
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("factors of 10"));
            Assert.That(source, Is.InstanceOf<ProjectedTokenSource>());
            Assert.That(((ProjectedTokenSource)source).Path, Is.EqualTo(path));
        });
    }

    [Test]
    public async Task AddServiceAccountToken_Twice_OneHandlerOneRetry()
    {
        var address = await StartAsync();
        _alwaysReject = true;
        var path = _dir.Write("factor-token", NewToken("twice"));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        var builder = services.AddHttpClient("factors", c => c.BaseAddress = address);
        builder.AddServiceAccountToken(path);
        builder.AddServiceAccountToken(o => o.Projected.WatchForChanges = false);
        await using var provider = services.BuildServiceProvider();

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("factors").GetAsync(new Uri("/factors/6", UriKind.Relative));

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(Received(), Has.Length.EqualTo(2), "one handler: the first try and one retry");
            Assert.That(((ProjectedTokenSource)provider.GetRequiredKeyedService<IServiceAccountTokenSource>("factors")).Path, Is.EqualTo(path));
        });
    }

    [Test]
    public void AddServiceAccountToken_InvalidTokenRequestOptions_ValidationSaysWhatToFix()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("factors").AddServiceAccountToken(o => o.TokenRequest = new TokenRequestSourceOptions
        {
            ServiceAccountName = "pod-viewer",
            ExpirationSeconds = 300,
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ServiceAccountTokenOptions>>().Get("factors"));

        Assert.That(ex!.Message, Does.Contain("ExpirationSeconds is 300").And.Contain("600"));
    }

    /// <summary>A stream that can be read once, like a request body piped from elsewhere.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Position
        {
            get => base.Position;
            set => throw new NotSupportedException();
        }

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }
}
