using System.Text.Json;

namespace Verifier.Tests.Cluster;

/// <summary>Small bash exec credential plugins in a temp directory, as the real ones (aws, gke-gcloud-auth-plugin) are used.</summary>
public sealed class ExecPluginScripts : IDisposable
{
    private readonly TempDirectory _dir = new();

    public string Folder => _dir.Path;

    /// <summary>A file the scripts append one line to per run (<see cref="Counter"/>).</summary>
    public string CounterFile => System.IO.Path.Combine(_dir.Path, "runs");

    /// <summary>How many times a script that calls <c>count</c> has run.</summary>
    public int Runs => File.Exists(CounterFile) ? File.ReadAllLines(CounterFile).Length : 0;

    /// <summary>Shell preamble: <c>n</c> is this run's number (1, 2, ...), counted in <see cref="CounterFile"/>.</summary>
    public string Counter => $"echo run >> '{CounterFile}'\nn=$(wc -l < '{CounterFile}')\n";

    /// <summary>Writes an executable bash script and returns its full path.</summary>
    public string Write(string name, string body)
    {
        var path = _dir.Write(name, "#!/bin/bash\nset -e\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Writes a plain file (a kubeconfig) and returns its full path.</summary>
    public string WriteFile(string name, string content) => _dir.Write(name, content);

    /// <summary>A heredoc printing an ExecCredential with the given status fields.</summary>
    public static string Print(string apiVersion, string? token = null, DateTimeOffset? expires = null, string? certificatePem = null, string? keyPem = null, string? tokenExpression = null)
    {
        var status = new Dictionary<string, string>();
        if (token is not null)
        {
            status["token"] = token;
        }

        if (expires is { } e)
        {
            status["expirationTimestamp"] = e.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (certificatePem is not null)
        {
            status["clientCertificateData"] = certificatePem;
            status["clientKeyData"] = keyPem!;
        }

        var json = JsonSerializer.Serialize(new Dictionary<string, object> { ["apiVersion"] = apiVersion, ["kind"] = "ExecCredential", ["status"] = status });

        // tokenExpression: a shell expression (e.g. "token-$n") spliced in place of the token placeholder.
        return tokenExpression is null
            ? $"cat <<'JSON'\n{json}\nJSON"
            : $"cat <<JSON\n{json.Replace("TOKEN", tokenExpression, StringComparison.Ordinal)}\nJSON";
    }

    public string PathOf(string name) => System.IO.Path.Combine(_dir.Path, name);

    public void Dispose() => _dir.Dispose();
}
