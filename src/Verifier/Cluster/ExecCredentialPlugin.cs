using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Verifier.Cluster;

/// <summary>
/// Runs a kubeconfig user's exec credential plugin (the <c>client.authentication.k8s.io</c> exec protocol) and caches
/// its credential until shortly before <c>status.expirationTimestamp</c>. One run at a time: any number of concurrent
/// callers share it (single flight). A run has its own timeout, not a caller's cancellation token. Never interactive:
/// standard input is closed and <c>spec.interactive</c> is false.
/// </summary>
internal sealed class ExecCredentialPlugin
{
    /// <summary>The plugin runs again this long before its credential expires (or a tenth of the lifetime when shorter).</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(10);

    /// <summary>A credential (certificate, key, token) fits easily; a plugin printing more is broken.</summary>
    internal const int MaxOutputChars = 1024 * 1024;

    /// <summary>How much of the plugin's standard error an error message quotes (its end: where tools print the error).</summary>
    internal const int MaxErrorChars = 2048;

    private const string ExecInfoVariable = "KUBERNETES_EXEC_INFO";

    private readonly ExecCredentialSettings _settings;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _source;
    private readonly Lock _lock = new();
    private volatile ExecCredential? _current;
    private Task<ExecCredential>? _run;
    private int _runs;

    public ExecCredentialPlugin(ExecCredentialSettings settings, string source, TimeSpan timeout, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _source = source;
        _timeout = timeout;
        _time = time;
        _logger = logger;
    }

    public ExecCredentialSettings Settings => _settings;

    /// <summary>How many times the plugin was started.</summary>
    public int Runs => Volatile.Read(ref _runs);

    /// <summary>The cached credential, or a shared run of the plugin when there is none or it is due for refresh.</summary>
    /// <exception cref="ClusterConfigurationException">The plugin is missing, failed, timed out or printed no usable credential.</exception>
    public ValueTask<ExecCredential> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        return current is not null && (current.RefreshAt is not { } due || _time.GetUtcNow() < due)
            ? ValueTask.FromResult(current)
            : new ValueTask<ExecCredential>(JoinRunAsync(current, keepOnFailure: true, cancellationToken));
    }

    /// <summary>
    /// The API server answered 401 to <paramref name="rejected"/>: run the plugin again (shared), unless another caller
    /// has already replaced that credential, in which case the replacement is returned.
    /// </summary>
    /// <exception cref="ClusterConfigurationException">The plugin failed: a rejected credential is never kept.</exception>
    public Task<ExecCredential> RenewAsync(ExecCredential rejected, CancellationToken cancellationToken) =>
        JoinRunAsync(rejected, keepOnFailure: false, cancellationToken);

    /// <param name="seen">The credential the caller found stale or rejected (null: none).</param>
    /// <param name="keepOnFailure">A failed early refresh may keep <paramref name="seen"/> until it expires; a 401 may not.</param>
    /// <param name="cancellationToken">Ends this caller's wait only; the shared run goes on for the others.</param>
    private Task<ExecCredential> JoinRunAsync(ExecCredential? seen, bool keepOnFailure, CancellationToken cancellationToken)
    {
        Task<ExecCredential> run;
        lock (_lock)
        {
            // Replaced since the caller looked: a run has just stored a fresh credential.
            if (_current is { } current && !ReferenceEquals(current, seen))
            {
                return Task.FromResult(current);
            }

            if (!keepOnFailure)
            {
                // The API server refused it: no caller gets it again, whatever the new run's outcome.
                _current = null;
            }

            run = _run ??= Task.Run(() => RunAndStoreAsync(keepOnFailure ? seen : null));
        }

        return run.WaitAsync(cancellationToken);
    }

    /// <param name="previous">A credential that may be kept, until it expires, when this run fails.</param>
    private async Task<ExecCredential> RunAndStoreAsync(ExecCredential? previous)
    {
        try
        {
            var credential = await RunAsync().ConfigureAwait(false);
            _current = credential;
            ClusterLog.ExecCredentialObtained(_logger, _settings.Command, _source, credential.Kind,
                credential.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture) ?? "the next 401");
            return credential;
        }
        catch (ClusterConfigurationException ex) when (previous?.ExpiresAt is { } expiresAt && _time.GetUtcNow() < expiresAt)
        {
            // Refreshing early failed, but the credential has not expired yet: keep it until it does rather than
            // run a failing plugin on every request of the margin.
            ClusterLog.ExecRefreshFailed(_logger, _settings.Command, _source, expiresAt.ToString("O", CultureInfo.InvariantCulture), ex);
            var kept = previous with { RefreshAt = expiresAt };
            _current = kept;
            return kept;
        }
        catch (ClusterConfigurationException ex)
        {
            ClusterLog.ExecFailed(_logger, _settings.Command, _source, ex);
            throw;
        }
        finally
        {
            lock (_lock)
            {
                _run = null;
            }
        }
    }

    private async Task<ExecCredential> RunAsync()
    {
        Interlocked.Increment(ref _runs);
        var start = new ProcessStartInfo(_settings.Command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var argument in _settings.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _settings.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment[ExecInfoVariable] = ExecInfoJson();

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new ClusterConfigurationException(
                $"The exec credential plugin '{_settings.Command}' of {_settings.Describe} cannot be started: {ex.Message}. " +
                (_settings.InstallHint is { Length: > 0 } hint ? hint.Trim() : "Install it or put it on PATH, or change the kubeconfig's exec command."),
                ex);
        }

        // Never interactive: the plugin sees end-of-file on standard input rather than waiting for a person.
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The plugin already exited (broken pipe): its exit code tells the rest.
        }

        var output = ReadBoundedAsync(process.StandardOutput, MaxOutputChars, keepEnd: false);
        var error = ReadBoundedAsync(process.StandardError, MaxErrorChars, keepEnd: true);
        using (var timeout = new CancellationTokenSource(_timeout, _time))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                await Task.WhenAll(output, error).WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Kill(process);
                throw new ClusterConfigurationException(
                    $"The exec credential plugin '{_settings.Command}' of {_settings.Describe} did not finish within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s " +
                    $"(ApiServer:ExecTimeout) and was stopped.{await StandardErrorAsync(error).ConfigureAwait(false)} " +
                    "Check that it can run without a terminal (no login prompt), or raise ApiServer:ExecTimeout.");
            }
        }

        if (process.ExitCode != 0)
        {
            throw new ClusterConfigurationException(
                $"The exec credential plugin '{_settings.Command}' of {_settings.Describe} exited with code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}." +
                $"{await StandardErrorAsync(error).ConfigureAwait(false)} Run the command by hand to see what it needs (a login, a profile).");
        }

        var (text, truncated) = await output.ConfigureAwait(false);
        return truncated
            ? throw new ClusterConfigurationException(
                $"The exec credential plugin '{_settings.Command}' of {_settings.Describe} printed more than {MaxOutputChars.ToString(CultureInfo.InvariantCulture)} characters; an ExecCredential is far smaller.")
            : Parse(text);
    }

    private ExecCredential Parse(string text)
    {
        // The plugin's output holds the credential: no message below quotes it.
        var what = $"The exec credential plugin '{_settings.Command}' of {_settings.Describe}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new ClusterConfigurationException($"{what} did not print an ExecCredential JSON object on standard output.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ClusterConfigurationException($"{what} did not print an ExecCredential JSON object on standard output.");
            }

            var kind = String(root, "kind");
            var apiVersion = String(root, "apiVersion");
            if (kind != "ExecCredential")
            {
                throw new ClusterConfigurationException($"{what} printed kind '{kind}', not ExecCredential.");
            }

            if (apiVersion != _settings.ApiVersion)
            {
                // client-go refuses a mismatch the same way: the kubeconfig names the version it speaks.
                throw new ClusterConfigurationException(
                    $"{what} answered with apiVersion '{apiVersion}' but the kubeconfig asks for '{_settings.ApiVersion}'; set exec.apiVersion to the version the plugin prints.");
            }

            if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
            {
                throw new ClusterConfigurationException($"{what} printed an ExecCredential without status.");
            }

            var token = String(status, "token") is { Length: > 0 } t ? t : null;
            var certificatePem = String(status, "clientCertificateData") is { Length: > 0 } c ? c : null;
            var keyPem = String(status, "clientKeyData") is { Length: > 0 } k ? k : null;
            if ((certificatePem is null) != (keyPem is null))
            {
                throw new ClusterConfigurationException(
                    $"{what} printed {(certificatePem is null ? "clientKeyData without clientCertificateData" : "clientCertificateData without clientKeyData")}; both are needed for a client certificate.");
            }

            if (token is null && certificatePem is null)
            {
                throw new ClusterConfigurationException($"{what} printed neither status.token nor status.clientCertificateData and clientKeyData.");
            }

            DateTimeOffset? expiresAt = null;
            if (String(status, "expirationTimestamp") is { Length: > 0 } stamp)
            {
                expiresAt = DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed
                    : throw new ClusterConfigurationException($"{what} printed status.expirationTimestamp '{stamp}', which is not an RFC 3339 time.");
            }

            var certificate = certificatePem is null ? null : ClusterCertificates.LoadClientCertificate(certificatePem, keyPem!, $"the exec credential plugin '{_settings.Command}' of {_settings.Describe}");
            return new ExecCredential(token, certificate, expiresAt, RefreshTime(expiresAt));
        }
    }

    private DateTimeOffset? RefreshTime(DateTimeOffset? expiresAt)
    {
        if (expiresAt is not { } expiry)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var lifetime = expiry - now;
        if (lifetime <= TimeSpan.Zero)
        {
            // Already expired: used by the callers of this run, then run again.
            return now;
        }

        var margin = lifetime / 10 < RefreshMargin ? lifetime / 10 : RefreshMargin;
        return expiry - margin;
    }

    private string ExecInfoJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("apiVersion", _settings.ApiVersion);
            json.WriteString("kind", "ExecCredential");
            json.WriteStartObject("spec");
            if (_settings.ProvideClusterInfo && _settings.ClusterServer is { } server)
            {
                json.WriteStartObject("cluster");
                json.WriteString("server", server.OriginalString);
                if (_settings.ClusterCertificateAuthorityPem is { } ca)
                {
                    json.WriteBase64String("certificate-authority-data", Encoding.UTF8.GetBytes(ca));
                }

                if (_settings.ClusterInsecureSkipTlsVerify)
                {
                    json.WriteBoolean("insecure-skip-tls-verify", true);
                }

                if (_settings.ClusterProxy is { } proxy)
                {
                    json.WriteString("proxy-url", proxy.OriginalString);
                }

                if (_settings.ClusterConfigJson is { } config)
                {
                    json.WritePropertyName("config");
                    json.WriteRawValue(config);
                }

                json.WriteEndObject();
            }

            json.WriteBoolean("interactive", false);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private async Task<string> StandardErrorAsync(Task<(string Text, bool Truncated)> error)
    {
        try
        {
            // After exit or kill the pipe closes; the bound covers a grandchild that kept it open.
            var (text, truncated) = await error.WaitAsync(TimeSpan.FromSeconds(2), _time).ConfigureAwait(false);
            text = text.Trim();
            return text.Length == 0 ? " It wrote nothing on standard error." : $" Its standard error{(truncated ? " (end)" : "")}: {text}";
        }
        catch (TimeoutException)
        {
            return "";
        }
    }

    private static async Task<(string Text, bool Truncated)> ReadBoundedAsync(StreamReader reader, int limit, bool keepEnd)
    {
        var text = new StringBuilder();
        var buffer = new char[4096];
        var truncated = false;
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > limit)
            {
                truncated = true;
                if (keepEnd)
                {
                    text.Remove(0, text.Length - limit);
                }
                else
                {
                    // Keep reading (and discarding) so the plugin is never blocked on a full pipe.
                    text.Length = limit;
                }
            }
        }

        return (text.ToString(), truncated);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // Exited meanwhile.
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
