using System.Diagnostics;

namespace Verifier.Tests.Testing;

/// <summary>
/// Runs the real kubectl against a kubeconfig in a temporary directory: KUBECONFIG, HOME and the discovery cache
/// all point there, so nothing touches the user's own configuration. Every run has a bounded timeout.
/// </summary>
internal sealed class Kubectl : IDisposable
{
    private readonly string _directory;

    public Kubectl()
    {
        _directory = Directory.CreateTempSubdirectory("lapi-kubectl-").FullName;
        Directory.CreateDirectory(Path.Combine(_directory, "home"));
    }

    public string KubeconfigPath => Path.Combine(_directory, "kubeconfig.yaml");

    /// <summary>kubectl on PATH (the CI installs Debian's kubernetes-client), or null.</summary>
    public static string? Executable
    {
        get
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public Process Start(params string[] args)
    {
        var executable = Executable ?? throw new InvalidOperationException("kubectl is not on PATH; .ci/run installs Debian's kubernetes-client.");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(KubeconfigPath);
        info.ArgumentList.Add("--cache-dir");
        info.ArgumentList.Add(Path.Combine(_directory, "cache"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["KUBECONFIG"] = KubeconfigPath;
        info.Environment["HOME"] = Path.Combine(_directory, "home");
        info.Environment.Remove("KUBERNETES_SERVICE_HOST");
        return Process.Start(info)!;
    }

    public async Task<ProcessResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        return await WaitAsync(process, TimeSpan.FromSeconds(60));
    }

    public static Task<ProcessResult> WaitAsync(Process process, TimeSpan timeout) => ProcessResult.WaitAsync(process, timeout);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
