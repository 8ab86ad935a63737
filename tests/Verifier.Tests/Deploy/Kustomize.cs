using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Verifier.Tests.Deploy;

/// <summary>Runs the real <c>kubectl kustomize</c> (bounded time) and parses the rendered stream into objects.</summary>
public static class Kustomize
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Every directory under deploy/ holding a kustomization.yaml, relative to the repository root.</summary>
    public static IEnumerable<string> Directories() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "deploy"), "kustomization.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public static async Task<RenderedObjects> RenderAsync(string relativeDirectory)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(relativeDirectory);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl kustomize {relativeDirectory} did not finish within {Timeout}.");
        }

        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {relativeDirectory} exited with {process.ExitCode}: {await stderr}");
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(output));
        return new RenderedObjects([.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()]);
    }
}
