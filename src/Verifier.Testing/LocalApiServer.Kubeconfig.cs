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

    /// <summary>Writes <see cref="CreateKubeconfig"/> to <paramref name="path"/> (directories created).</summary>
    public void WriteKubeconfig(string path, string? token = null, string contextName = "local-apiserver")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, CreateKubeconfig(token, contextName));
    }

    /// <summary>A single-quoted YAML scalar.</summary>
    private static string Yaml(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
