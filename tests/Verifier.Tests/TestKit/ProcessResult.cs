using System.Diagnostics;
using NUnit.Framework;

namespace Verifier.Tests.TestKit;

/// <summary>A finished process: exit code and its whole output. The one way tests run a program (our executables, kubectl).</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>Stderr's non-empty lines.</summary>
    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    /// <summary>Starts <paramref name="info"/> (its output redirected), closes stdin, waits at most <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        if (info.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        return await WaitAsync(process, timeout, clock);
    }

    /// <summary>
    /// Reads a started process's (redirected) output to the end and waits at most <paramref name="timeout"/> for it to
    /// exit; past that it is killed and the test fails with what it printed.
    /// </summary>
    public static async Task<ProcessResult> WaitAsync(Process process, TimeSpan timeout, Stopwatch? clock = null)
    {
        ArgumentNullException.ThrowIfNull(process);
        clock ??= Stopwatch.StartNew();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)} did not exit within {timeout}:\n{await stdout}\n{await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }
}
