using Microsoft.Extensions.Options;
using NUnit.Framework;
using Verifier.Keys;
using Verifier.Tests.Validation;

namespace Verifier.Tests.Keys;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class StaticFileKeySourceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("verifier-keys-").FullName;

    private string KeyFile => Path.Combine(_directory, "keys");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private StaticFileKeySource Source(int maxBytes = 1024 * 1024) =>
        new(Options.Create(new KubernetesTokenVerifierOptions { Keys = { Source = KeySourceKind.StaticFile, StaticFilePath = KeyFile, MaxResponseBytes = maxBytes } }));

    [Test]
    public async Task FetchAsync_JwksFile_ReturnsKeysWithoutIssuer()
    {
        await File.WriteAllTextAsync(KeyFile, KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Ec256));

        var material = await Source().FetchAsync(CancellationToken.None);

        Assert.That(material.Keys.Select(k => k.KeyId), Is.EqualTo(new[] { KubeTokens.Rsa.KeyId, KubeTokens.Ec256.KeyId }));
        Assert.That(material.Issuer, Is.Null);
    }

    [Test]
    public async Task FetchAsync_PemFile_ReturnsKeys()
    {
        await File.WriteAllTextAsync(KeyFile, KubeTokens.Rsa.ToPublicPem());

        var material = await Source().FetchAsync(CancellationToken.None);

        Assert.That(material.Keys.Single().KeyId, Is.EqualTo(KubeTokens.Rsa.KeyId));
    }

    [Test]
    public async Task FetchAsync_UnchangedFile_ReturnsTheSameMaterialWithoutParsing()
    {
        await File.WriteAllTextAsync(KeyFile, KubeTokens.Jwks(KubeTokens.Rsa));
        var source = Source();

        var first = await source.FetchAsync(CancellationToken.None);
        var second = await source.FetchAsync(CancellationToken.None);

        Assert.That(second, Is.SameAs(first));
    }

    [TestCase("missing")]
    [TestCase("garbage")]
    [TestCase("too-large")]
    public async Task FetchAsync_UnusableFile_ThrowsKeyFetchException(string kind)
    {
        if (kind == "garbage")
        {
            await File.WriteAllTextAsync(KeyFile, "hello");
        }
        else if (kind == "too-large")
        {
            await File.WriteAllTextAsync(KeyFile, KubeTokens.Jwks(KubeTokens.Rsa));
        }

        Assert.That(async () => await Source(maxBytes: 100).FetchAsync(CancellationToken.None), Throws.InstanceOf<KeyFetchException>());
    }

    [Test]
    public async Task KeyStore_FileRewritten_ReloadsThroughTheWatcher()
    {
        await File.WriteAllTextAsync(KeyFile, KubeTokens.Jwks(KubeTokens.Rsa));
        using var harness = new VerifierHarness(Source(), o =>
        {
            o.Keys.Source = KeySourceKind.StaticFile;
            o.Issuers = [KubeTokens.Issuer];
        });
        await harness.LoadAsync();
        harness.Store.StartWatching();

        // Write a new file and swap it in, as kubelet does for ConfigMap volumes.
        var staged = Path.Combine(_directory, "keys.new");
        await File.WriteAllTextAsync(staged, KubeTokens.Jwks(KubeTokens.Rsa, KubeTokens.Rsa2));
        File.Move(staged, KeyFile, overwrite: true);

        await Eventually.WaitUntil(() => harness.Store.Current!.Keys.Length == 2, "the watcher reloading the rewritten file", TimeSpan.FromSeconds(20));

        Assert.That(harness.Store.Current!.Keys.Select(k => k.KeyId), Is.EqualTo(new[] { KubeTokens.Rsa.KeyId, KubeTokens.Rsa2.KeyId }));
        Assert.That((await harness.VerifyAsync(KubeTokens.Token(KubeTokens.Rsa2))).Succeeded, Is.True);
    }

    [Test]
    public async Task KeyStore_FileReplacedWithGarbage_KeepsTheLastGoodKeys()
    {
        await File.WriteAllTextAsync(KeyFile, KubeTokens.Jwks(KubeTokens.Rsa));
        using var harness = new VerifierHarness(Source(), o => o.Issuers = [KubeTokens.Issuer]);
        await harness.LoadAsync();
        var good = harness.Store.Current;

        await File.WriteAllTextAsync(KeyFile, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}");
        File.SetLastWriteTimeUtc(KeyFile, DateTime.UtcNow.AddMinutes(1));
        var loaded = await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic);

        Assert.That(loaded, Is.False);
        Assert.That(harness.Store.Current, Is.SameAs(good));
        Assert.That((await harness.VerifyAsync(KubeTokens.Token())).Succeeded, Is.True);
    }
}
