using NUnit.Framework;
using Verifier.Testing;

namespace Verifier.Tests.Testing;

/// <summary><c>WriteKubeconfig</c> writes the admin token into a file only its owner can read.</summary>
[Platform(Exclude = "Win", Reason = "Unix file modes")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KubeconfigFileTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Test]
    public async Task WriteKubeconfig_NewFile_IsOwnerReadWriteOnly()
    {
        await using var server = await LocalApiServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("kubeconfig-mode-");
        try
        {
            var path = Path.Combine(directory.FullName, "sub", "kubeconfig.yaml");

            server.WriteKubeconfig(path);

            Assert.Multiple(() =>
            {
                Assert.That(File.GetUnixFileMode(path), Is.EqualTo(OwnerOnly));
                Assert.That(File.ReadAllText(path), Does.Contain("token: '" + server.AdminToken + "'"));
                Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Has.Length.EqualTo(1), "no temporary file left behind");
            });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task WriteKubeconfig_ExistingWorldReadableFile_IsReplacedOwnerOnly()
    {
        await using var server = await LocalApiServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("kubeconfig-mode-");
        try
        {
            var path = Path.Combine(directory.FullName, "kubeconfig.yaml");
            File.WriteAllText(path, "old");
            File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            server.WriteKubeconfig(path);

            Assert.Multiple(() =>
            {
                Assert.That(File.GetUnixFileMode(path), Is.EqualTo(OwnerOnly));
                Assert.That(File.ReadAllText(path), Does.StartWith("apiVersion: v1"));
            });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
