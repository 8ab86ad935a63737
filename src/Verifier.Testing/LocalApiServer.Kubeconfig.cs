using System.Text;

namespace Verifier.Testing;

/// <summary>A kubeconfig for kubectl and other clients.</summary>
public sealed partial class LocalApiServer
{
    /// <summary>
    /// A kubeconfig with one cluster (server + <c>certificate-authority-data</c>), one user with
    /// <paramref name="token"/> (default <see cref="AdminToken"/>), one context (namespace <c>default</c>) that is current.
    /// </summary>
    public string CreateKubeconfig(string? token = null, string contextName = "local-apiserver")
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(CaCertificatePem));
        return new StringBuilder()
            .Append("apiVersion: v1\n")
            .Append("kind: Config\n")
            .Append("clusters:\n")
            .Append("- name: ").Append(Yaml(contextName)).Append('\n')
            .Append("  cluster:\n")
            .Append("    server: ").Append(Yaml(BaseAddress.ToString().TrimEnd('/'))).Append('\n')
            .Append("    certificate-authority-data: ").Append(ca).Append('\n')
            .Append("users:\n")
            .Append("- name: ").Append(Yaml(contextName)).Append('\n')
            .Append("  user:\n")
            .Append("    token: ").Append(Yaml(token ?? AdminToken)).Append('\n')
            .Append("contexts:\n")
            .Append("- name: ").Append(Yaml(contextName)).Append('\n')
            .Append("  context:\n")
            .Append("    cluster: ").Append(Yaml(contextName)).Append('\n')
            .Append("    user: ").Append(Yaml(contextName)).Append('\n')
            .Append("    namespace: default\n")
            .Append("current-context: ").Append(Yaml(contextName)).Append('\n')
            .Append("preferences: {}\n")
            .ToString();
    }

    /// <summary>
    /// Writes <see cref="CreateKubeconfig"/> to <paramref name="path"/> (directories created), readable by its owner
    /// only (0600 on Unix, as kubectl writes its own): it holds a bearer token, by default the admin's. An existing
    /// file is replaced, not rewritten in place, so it never keeps a wider mode it had before.
    /// </summary>
    public void WriteKubeconfig(string path, string? token = null, string contextName = "local-apiserver")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);

        // Created 0600 from the first byte (no window in which the token is world-readable), then moved over the
        // target: a reader (kubectl) sees the old file or the new one, never half of it.
        var temporary = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var writer = new StreamWriter(temporary, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
            {
                writer.Write(CreateKubeconfig(token, contextName));
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>A single-quoted YAML scalar.</summary>
    private static string Yaml(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
