using System.Net;
using Microsoft.Extensions.Options;
using Verifier.Cluster;

namespace Bench.Compare;

/// <summary>
/// The checks that can fail a run before it spends a minute working: files it reads and writes, and on a real cluster
/// the connection and the namespace. Each failure is one line naming the option and how to fix it, and its exit code.
/// </summary>
internal static class ComparePreflight
{
    public sealed record Failure(int ExitCode, string Message);

    /// <summary>Local checks only (no network): the kubeconfig exists, the report files can be written.</summary>
    public static Failure? CheckFiles(CompareOptions options)
    {
        if (options.Kubeconfig is { } kubeconfig && !File.Exists(kubeconfig))
        {
            return new Failure(CompareExitCode.ClusterConfiguration, Directory.Exists(kubeconfig)
                ? $"--kubeconfig {kubeconfig}: is a directory; pass the kubeconfig file (e.g. ~/.kube/config), or leave --kubeconfig out to use the embedded LocalApiServer"
                : $"--kubeconfig {kubeconfig}: no such file; pass an existing kubeconfig (e.g. ~/.kube/config), or leave --kubeconfig out to use the embedded LocalApiServer");
        }

        foreach (var (option, path) in new[] { ("--out", options.MarkdownOut), ("--json", options.JsonOut) })
        {
            if (path is not null && CheckWritable(path) is { } why)
            {
                return new Failure(CompareExitCode.OutputNotWritable, $"{option} {path}: {why}");
            }
        }

        return null;
    }

    /// <summary>On a real cluster: the connection settings resolve, the API server answers, the namespace exists.</summary>
    public static async Task<Failure?> CheckClusterAsync(CompareOptions options, ClusterTarget target, CancellationToken cancellationToken)
    {
        HttpClient http;
        try
        {
            http = target.CreatePreflightClient();
        }
        catch (Exception e) when (e is ClusterConfigurationException or OptionsValidationException)
        {
            return new Failure(CompareExitCode.ClusterConfiguration, $"{ConnectionOption(options)}: {OneLine(e)}");
        }

        using (http)
        {
            HttpResponseMessage response;
            var path = "/api/v1/namespaces/" + Uri.EscapeDataString(options.Namespace);
            try
            {
                response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ClusterConfigurationException or OptionsValidationException)
            {
                return new Failure(CompareExitCode.ClusterConfiguration, $"{ConnectionOption(options)}: {OneLine(e)}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new Failure(CompareExitCode.ApiServer, $"{ConnectionOption(options)}: the API server cannot be reached ({OneLine(e)}); check that the cluster is up and the kubeconfig's server address");
            }

            using (response)
            {
                return response.StatusCode switch
                {
                    HttpStatusCode.NotFound => new Failure(CompareExitCode.NamespaceMissing,
                        $"--namespace {options.Namespace}: no such namespace on the cluster; create it (kubectl create namespace {options.Namespace}) or pass an existing one"),
                    HttpStatusCode.Unauthorized => new Failure(CompareExitCode.ApiServer,
                        $"{ConnectionOption(options)}: the API server refuses the credential (401); refresh it (e.g. log in again) or use another --context"),

                    // 403: the credential may still create tokens and reviews without reading namespaces; let the run try.
                    _ => null,
                };
            }
        }
    }

    private static string ConnectionOption(CompareOptions options) =>
        options.InCluster ? "--in-cluster" : $"--kubeconfig {options.Kubeconfig}{(options.Context is null ? "" : " --context " + options.Context)}";

    private static string OneLine(Exception e) => e is OptionsValidationException v
        ? string.Join(" ", v.Failures)
        : e.Message.ReplaceLineEndings(" ");

    /// <summary>Why <paramref name="path"/> cannot be written, or null. Leaves no file behind that was not there.</summary>
    private static string? CheckWritable(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"not a valid path ({e.Message})";
        }

        var directory = Path.GetDirectoryName(full);
        if (Directory.Exists(full))
        {
            return "is a directory; pass a file name, e.g. report.md";
        }

        if (directory is not null && !Directory.Exists(directory))
        {
            return $"directory {directory} does not exist; create it (mkdir -p {directory}) or choose another path";
        }

        var existed = File.Exists(full);
        try
        {
            using (new FileStream(full, FileMode.OpenOrCreate, FileAccess.Write))
            {
            }

            if (!existed)
            {
                File.Delete(full);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be written ({e.Message}); choose a writable path";
        }
    }
}
