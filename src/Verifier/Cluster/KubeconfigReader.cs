using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Verifier.Cluster;

/// <summary>
/// Reads the subset of a kubeconfig file that a server-side verifier can use without running anything: one context,
/// its cluster (server, CA data/file, <c>insecure-skip-tls-verify</c>, <c>proxy-url</c>) and its user (token,
/// tokenFile, client certificate and key as data or file, or an exec credential plugin). Relative file paths are relative
/// to the kubeconfig's directory, as in client-go. Auth providers, basic auth and impersonation are configuration errors.
/// </summary>
/// <remarks>
/// The YAML representation model is used instead of reflection-based deserialization: no reflection, trimming-friendly,
/// and unknown fields (there are many across kubeconfig versions) are simply not looked at.
/// </remarks>
internal static class KubeconfigReader
{
    private const string ProxyHint =
        "Run `kubectl proxy` next to the service and set ApiServer:Server to http://127.0.0.1:8001, or give a token file " +
        "(ApiServer:TokenFile, e.g. from `kubectl create token`) or a kubeconfig user with token, tokenFile, client-certificate or exec.";

    /// <summary>The cluster extension whose value becomes <c>spec.cluster.config</c> of <c>KUBERNETES_EXEC_INFO</c>.</summary>
    private const string ExecExtensionName = "client.authentication.k8s.io/exec";

    /// <exception cref="ClusterConfigurationException">For any problem with the file or the selected context.</exception>
    public static ClusterConnection Read(string path, string? contextName)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClusterConfigurationException($"Cannot read the kubeconfig file '{fullPath}' (ApiServer:KubeconfigPath): {ex.Message}", ex);
        }

        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode mapping
                ? mapping
                : throw new ClusterConfigurationException($"The kubeconfig file '{fullPath}' is empty or not a YAML mapping.");
        }
        catch (YamlException ex)
        {
            throw new ClusterConfigurationException($"The kubeconfig file '{fullPath}' is not valid YAML: {ex.Message}", ex);
        }

        var directory = Path.GetDirectoryName(fullPath)!;
        var name = string.IsNullOrEmpty(contextName) ? Scalar(root, "current-context") : contextName;
        if (string.IsNullOrEmpty(name))
        {
            throw new ClusterConfigurationException(
                $"The kubeconfig file '{fullPath}' has no current-context; set ApiServer:KubeconfigContext to one of: {NamesOf(root, "contexts")}.");
        }

        var context = Named(root, "contexts", name, "context")
            ?? throw new ClusterConfigurationException(
                $"The kubeconfig file '{fullPath}' has no context '{name}'; contexts: {NamesOf(root, "contexts")}.");

        var clusterName = Scalar(context, "cluster");
        if (string.IsNullOrEmpty(clusterName))
        {
            throw new ClusterConfigurationException($"Context '{name}' in '{fullPath}' names no cluster.");
        }

        var cluster = Named(root, "clusters", clusterName, "cluster")
            ?? throw new ClusterConfigurationException(
                $"Context '{name}' in '{fullPath}' refers to cluster '{clusterName}', which the file does not define; clusters: {NamesOf(root, "clusters")}.");

        var where = $"kubeconfig '{fullPath}', context '{name}'";
        var server = ParseServer(Scalar(cluster, "server"), where);
        var insecure = string.Equals(Scalar(cluster, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase);
        var authorityPem = ReadAuthorityPem(cluster, directory, where);
        var authorities = authorityPem is null ? null : LoadAuthorities(authorityPem.Value.Pem, authorityPem.Value.What, where);
        if (insecure && authorities is not null)
        {
            // kubectl refuses the same combination ("specifying a root certificates file with the insecure flag is not allowed").
            throw new ClusterConfigurationException(
                $"Cluster '{clusterName}' ({where}) sets both insecure-skip-tls-verify and a certificate authority; remove insecure-skip-tls-verify.");
        }

        if (Scalar(cluster, "tls-server-name") is { Length: > 0 })
        {
            throw new ClusterConfigurationException(
                $"Cluster '{clusterName}' ({where}) sets tls-server-name, which is not supported; point server at a name the API server's certificate covers.");
        }

        Uri? proxy = null;
        if (Scalar(cluster, "proxy-url") is { Length: > 0 } proxyText
            && !Uri.TryCreate(proxyText, UriKind.Absolute, out proxy))
        {
            throw new ClusterConfigurationException($"Cluster '{clusterName}' ({where}) has an invalid proxy-url '{proxyText}'.");
        }

        var connection = new ClusterConnection(server, $"kubeconfig:{fullPath}#{name}")
        {
            CertificateAuthorities = authorities,
            InsecureSkipTlsVerify = insecure,
            Namespace = Scalar(context, "namespace") is { Length: > 0 } ns ? ns : null,
            Proxy = proxy,
        };

        var userName = Scalar(context, "user");
        if (string.IsNullOrEmpty(userName))
        {
            return connection;
        }

        var user = Named(root, "users", userName, "user")
            ?? throw new ClusterConfigurationException(
                $"Context '{name}' in '{fullPath}' refers to user '{userName}', which the file does not define; users: {NamesOf(root, "users")}.");
        var applied = ApplyUser(connection, user, userName, directory, where);
        return applied.Exec is { } exec
            ? applied with
            {
                Exec = exec with
                {
                    ClusterServer = server,
                    ClusterCertificateAuthorityPem = authorityPem?.Pem,
                    ClusterInsecureSkipTlsVerify = insecure,
                    ClusterProxy = proxy,
                    ClusterConfigJson = ExecExtensionJson(cluster),
                },
            }
            : applied;
    }

    private static ClusterConnection ApplyUser(ClusterConnection connection, YamlMappingNode user, string userName, string directory, string where)
    {
        if (user.Children.TryGetValue(new YamlScalarNode("exec"), out var exec))
        {
            foreach (var other in new[] { "token", "tokenFile", "client-certificate", "client-certificate-data", "auth-provider" })
            {
                if (user.Children.ContainsKey(new YamlScalarNode(other)))
                {
                    throw new ClusterConfigurationException(
                        $"User '{userName}' ({where}) sets both exec and {other}; keep one way to authenticate.");
                }
            }

            return connection with { Exec = ReadExec(exec, userName, directory, where) };
        }

        if (user.Children.TryGetValue(new YamlScalarNode("auth-provider"), out var provider))
        {
            var providerName = provider is YamlMappingNode providerMap ? Scalar(providerMap, "name") : null;
            throw new ClusterConfigurationException(
                $"User '{userName}' ({where}) authenticates with the auth-provider '{providerName ?? "?"}', which the verifier does not support. {ProxyHint}");
        }

        if (Scalar(user, "username") is { Length: > 0 } || Scalar(user, "password") is { Length: > 0 })
        {
            throw new ClusterConfigurationException(
                $"User '{userName}' ({where}) uses basic authentication (username/password), which Kubernetes removed in 1.19 and the verifier does not support. {ProxyHint}");
        }

        if (Scalar(user, "as") is { Length: > 0 } || user.Children.ContainsKey(new YamlScalarNode("as-groups")))
        {
            throw new ClusterConfigurationException(
                $"User '{userName}' ({where}) uses impersonation (as/as-groups), which the verifier does not support; use the impersonated identity's own token instead.");
        }

        var token = Scalar(user, "token");
        var tokenFile = Scalar(user, "tokenFile");
        var certificate = ReadClientCertificate(user, userName, directory, where);
        return connection with
        {
            // client-go: a token wins over tokenFile when both are set.
            Token = string.IsNullOrEmpty(token) ? null : token,
            TokenFile = string.IsNullOrEmpty(token) && !string.IsNullOrEmpty(tokenFile) ? RequireFile(Resolve(directory, tokenFile), "tokenFile", where) : null,
            ClientCertificate = certificate,
        };
    }

    private static (string Pem, string What)? ReadAuthorityPem(YamlMappingNode cluster, string directory, string where)
    {
        // client-go: certificate-authority-data wins over certificate-authority.
        if (Scalar(cluster, "certificate-authority-data") is { Length: > 0 } data)
        {
            return (DecodeBase64(data, "certificate-authority-data", where), "certificate-authority-data");
        }

        if (Scalar(cluster, "certificate-authority") is { Length: > 0 } file)
        {
            var path = RequireFile(Resolve(directory, file), "certificate-authority", where);
            return (File.ReadAllText(path), path);
        }

        return null;
    }

    private static ExecCredentialSettings ReadExec(YamlNode node, string userName, string directory, string where)
    {
        var describe = $"user '{userName}' ({where})";
        if (node is not YamlMappingNode exec)
        {
            throw new ClusterConfigurationException($"exec of {describe} is not a mapping with apiVersion and command.");
        }

        var apiVersion = Scalar(exec, "apiVersion");
        if (apiVersion is not (ExecCredentialSettings.V1 or ExecCredentialSettings.V1Beta1))
        {
            throw new ClusterConfigurationException(string.IsNullOrEmpty(apiVersion)
                ? $"exec of {describe} has no apiVersion; set it to {ExecCredentialSettings.V1} (or {ExecCredentialSettings.V1Beta1} for older plugins)."
                : $"exec.apiVersion '{apiVersion}' of {describe} is not supported; use {ExecCredentialSettings.V1} or {ExecCredentialSettings.V1Beta1} (v1alpha1 was removed in Kubernetes 1.24).");
        }

        var command = Scalar(exec, "command");
        if (string.IsNullOrWhiteSpace(command))
        {
            throw new ClusterConfigurationException($"exec of {describe} has no command.");
        }

        // kubectl: a command with a path separator is a file relative to the kubeconfig's directory; a bare name is
        // looked up in PATH when the plugin starts.
        if (!Path.IsPathRooted(command) && (command.Contains('/', StringComparison.Ordinal) || command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            command = Path.GetFullPath(Path.Combine(directory, command));
        }

        switch (Scalar(exec, "interactiveMode"))
        {
            case null or "" or "Never" or "IfAvailable":
                break;
            case "Always":
                throw new ClusterConfigurationException(
                    $"exec of {describe} sets interactiveMode: Always, but the verifier never runs a plugin interactively (standard input is not " +
                    "connected to a terminal). Configure the plugin to work without a prompt (a cached login, a service principal, workload " +
                    "identity) and set interactiveMode to Never or IfAvailable.");
            case { } mode:
                throw new ClusterConfigurationException($"exec.interactiveMode '{mode}' of {describe} is not one of Never, IfAvailable, Always.");
        }

        var arguments = new List<string>();
        if (exec.Children.TryGetValue(new YamlScalarNode("args"), out var args) && args is not YamlScalarNode { Value: null or "" })
        {
            if (args is not YamlSequenceNode argList)
            {
                throw new ClusterConfigurationException($"exec.args of {describe} is not a list.");
            }

            foreach (var arg in argList)
            {
                arguments.Add(arg is YamlScalarNode scalar ? scalar.Value ?? "" : throw new ClusterConfigurationException($"exec.args of {describe} holds a non-string entry."));
            }
        }

        var environment = new List<KeyValuePair<string, string>>();
        if (exec.Children.TryGetValue(new YamlScalarNode("env"), out var env) && env is not YamlScalarNode { Value: null or "" })
        {
            if (env is not YamlSequenceNode envList)
            {
                throw new ClusterConfigurationException($"exec.env of {describe} is not a list of name/value entries.");
            }

            foreach (var entry in envList)
            {
                if (entry is not YamlMappingNode variable || Scalar(variable, "name") is not { Length: > 0 } name)
                {
                    throw new ClusterConfigurationException($"exec.env of {describe} holds an entry without a name.");
                }

                environment.Add(new KeyValuePair<string, string>(name, Scalar(variable, "value") ?? ""));
            }
        }

        return new ExecCredentialSettings(apiVersion, command, describe)
        {
            Arguments = arguments,
            Environment = environment,
            InstallHint = Scalar(exec, "installHint") is { Length: > 0 } hint ? hint : null,
            ProvideClusterInfo = string.Equals(Scalar(exec, "provideClusterInfo"), "true", StringComparison.OrdinalIgnoreCase),
        };
    }

    private static bool IsJsonNumber(string? value)
    {
        if (string.IsNullOrEmpty(value) || !(char.IsAsciiDigit(value[0]) || value[0] == '-'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The cluster's <c>client.authentication.k8s.io/exec</c> extension as JSON, or null.</summary>
    private static string? ExecExtensionJson(YamlMappingNode cluster)
    {
        if (!cluster.Children.TryGetValue(new YamlScalarNode("extensions"), out var extensions) || extensions is not YamlSequenceNode list)
        {
            return null;
        }

        foreach (var entry in list)
        {
            if (entry is YamlMappingNode item && Scalar(item, "name") == ExecExtensionName
                && item.Children.TryGetValue(new YamlScalarNode("extension"), out var extension))
            {
                using var buffer = new MemoryStream();
                using (var json = new Utf8JsonWriter(buffer))
                {
                    WriteJson(json, extension);
                }

                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        return null;
    }

    private static void WriteJson(Utf8JsonWriter json, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                json.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    json.WritePropertyName(key is YamlScalarNode k ? k.Value ?? "" : key.ToString());
                    WriteJson(json, value);
                }

                json.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                json.WriteStartArray();
                foreach (var item in sequence)
                {
                    WriteJson(json, item);
                }

                json.WriteEndArray();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } flag:
                json.WriteBooleanValue(flag.Value == "true");
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "null" or "~" }:
                json.WriteNullValue();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } number when IsJsonNumber(number.Value):
                json.WriteRawValue(number.Value!);
                break;
            case YamlScalarNode scalar:
                json.WriteStringValue(scalar.Value);
                break;
            default:
                json.WriteNullValue();
                break;
        }
    }

    private static X509Certificate2? ReadClientCertificate(YamlMappingNode user, string userName, string directory, string where)
    {
        var certificatePem = Scalar(user, "client-certificate-data") is { Length: > 0 } certificateData
            ? DecodeBase64(certificateData, "client-certificate-data", where)
            : Scalar(user, "client-certificate") is { Length: > 0 } certificateFile
                ? File.ReadAllText(RequireFile(Resolve(directory, certificateFile), "client-certificate", where))
                : null;
        var keyPem = Scalar(user, "client-key-data") is { Length: > 0 } keyData
            ? DecodeBase64(keyData, "client-key-data", where)
            : Scalar(user, "client-key") is { Length: > 0 } keyFile
                ? File.ReadAllText(RequireFile(Resolve(directory, keyFile), "client-key", where))
                : null;
        if (certificatePem is null && keyPem is null)
        {
            return null;
        }

        if (certificatePem is null || keyPem is null)
        {
            throw new ClusterConfigurationException(
                $"User '{userName}' ({where}) has a client {(certificatePem is null ? "key" : "certificate")} without the matching {(certificatePem is null ? "certificate" : "key")}.");
        }

        return ClusterCertificates.LoadClientCertificate(certificatePem, keyPem, $"user '{userName}' ({where})");
    }

    private static X509Certificate2Collection LoadAuthorities(string pem, string what, string where) =>
        ClusterCertificates.LoadAuthorities(pem, $"{what} ({where})");

    private static Uri ParseServer(string? server, string where)
    {
        if (string.IsNullOrEmpty(server)
            || !Uri.TryCreate(server, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ClusterConfigurationException($"The cluster of {where} has no valid http(s) server URL ('{server}').");
        }

        return uri;
    }

    private static string DecodeBase64(string value, string field, string where)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value.Trim()));
        }
        catch (FormatException ex)
        {
            throw new ClusterConfigurationException($"{field} of {where} is not valid base64.", ex);
        }
    }

    private static string Resolve(string directory, string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));

    private static string RequireFile(string path, string field, string where) =>
        File.Exists(path) ? path : throw new ClusterConfigurationException($"{field} '{path}' of {where} does not exist.");

    private static YamlMappingNode? Named(YamlMappingNode root, string listKey, string name, string itemKey)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) || list is not YamlSequenceNode sequence)
        {
            return null;
        }

        foreach (var entry in sequence)
        {
            if (entry is YamlMappingNode item && string.Equals(Scalar(item, "name"), name, StringComparison.Ordinal))
            {
                // A user entry may legitimately be empty (`user: {}`), which YAML may also spell as a null scalar.
                return item.Children.TryGetValue(new YamlScalarNode(itemKey), out var value) && value is YamlMappingNode body ? body : new YamlMappingNode();
            }
        }

        return null;
    }

    private static string NamesOf(YamlMappingNode root, string listKey)
    {
        var names = new List<string>();
        if (root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) && list is YamlSequenceNode sequence)
        {
            foreach (var entry in sequence)
            {
                if (entry is YamlMappingNode item && Scalar(item, "name") is { } name)
                {
                    names.Add(name);
                }
            }
        }

        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
