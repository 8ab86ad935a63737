using System.Diagnostics;
using NUnit.Framework;
using Verifier.Tests.Deploy;

namespace Verifier.Tests.CommandLine;

/// <summary>
/// The repository's runnable projects, as built with this test project (same configuration), run as processes the way
/// a user runs them: <c>dotnet path/to.dll args</c>.
/// </summary>
public static class Executables
{
    public static string LocalApiServerHost => Dll("src/Verifier.Testing.Host", "Verifier.Testing.Host");

    public static string Bench => Dll("src/Bench", "Bench");

    public static string TokenServer => Dll("samples/TokenServer", "TokenServer");

    public static string TokenClient => Dll("samples/TokenClient", "TokenClient");

    public static string VerifierSidecar => Dll("samples/VerifierSidecar", "VerifierSidecar");

    /// <summary>The configuration this test assembly was built in (bin/<c>Configuration</c>/net10.0).</summary>
    public static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static string Dll(string project, string name)
    {
        var dll = Path.Combine(RepositoryRoot.Path, project, "bin", Configuration, "net10.0", name + ".dll");
        Assert.That(dll, Does.Exist, $"{project} is built with the test project (a ProjectReference)");
        return dll;
    }

    /// <summary>
    /// Runs <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> with stdin closed and waits at most
    /// <paramref name="timeout"/> (default 60 s), then kills it; a timeout fails the test.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(string dll, IEnumerable<string> args, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // What a user's shell would not set: keep the test runner's own settings out.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        info.Environment.Remove("KUBERNETES_SERVICE_HOST");
        info.Environment.Remove("KUBERNETES_SERVICE_PORT");
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        return await ProcessResult.RunAsync(info, timeout ?? TimeSpan.FromSeconds(60));
    }
}
