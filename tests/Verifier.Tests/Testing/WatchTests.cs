using System.Net;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary>The minimal watch kubectl's delete waits on: headers at once, then events after the requested version.</summary>
public sealed class WatchTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Watch_FromTheCurrentVersionWithNoEvents_SendsHeadersAtOnceThenTheDeletion()
    {
        await using var server = await LocalApiServer.StartAsync();
        server.CreatePod("apps", "web-0");
        using var client = server.CreateHttpClient(server.AdminToken);
        using var list = await client.GetAsync(new Uri("/api/v1/namespaces/apps/pods?fieldSelector=metadata.name%3Dweb-0", UriKind.Relative));
        var version = JsonNode.Parse(await list.Content.ReadAsStringAsync())!["metadata"]!["resourceVersion"]!.GetValue<string>();

        // Nothing has changed since `version`: a server that holds its headers back until the first event leaves
        // client-go's Watch() (and so `kubectl delete`) blocked.
        using var watch = await client.GetAsync(
                new Uri($"/api/v1/namespaces/apps/pods?watch=true&fieldSelector=metadata.name%3Dweb-0&resourceVersion={version}", UriKind.Relative),
                HttpCompletionOption.ResponseHeadersRead)
            .WaitAsync(Bound);
        using var reader = new StreamReader(await watch.Content.ReadAsStreamAsync());
        server.DeletePod("apps", "web-0", TimeSpan.Zero);
        var line = await reader.ReadLineAsync().WaitAsync(Bound);

        var change = JsonNode.Parse(line!)!;
        Assert.Multiple(() =>
        {
            Assert.That(watch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(change["type"]!.GetValue<string>(), Is.EqualTo("DELETED"));
            Assert.That(change["object"]!["metadata"]!["name"]!.GetValue<string>(), Is.EqualTo("web-0"));
        });
    }
}
