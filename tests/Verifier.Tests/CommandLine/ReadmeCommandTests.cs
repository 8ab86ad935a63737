using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Verifier.Tests.Deploy;

namespace Verifier.Tests.CommandLine;

/// <summary>
/// The README's commands, run verbatim from the repository as a user pastes them: every line of the code blocks
/// tagged <c>```bash readme-test</c> (a trailing <c>\</c> continues a line). Their fixed ports (6443, 8080, 8081) and
/// <c>/tmp</c> paths would collide with anything else on the machine, so they run inside a network and mount namespace
/// of their own (<c>unshare</c>: a private loopback and a private <c>/tmp</c>); the command text is unchanged.
/// What each line must do is read from its trailing comment:
/// <c># -> TEXT...</c> it exits 0 and prints TEXT; <c># exit N: TEXT</c> it exits N and prints TEXT on stderr;
/// anything else is a server, which must come up (its ready line) and keep running until the end.
/// </summary>
[NonParallelizable]
[Platform(Include = "Linux", Reason = "network and mount namespaces")]
public sealed partial class ReadmeCommandTests
{
    private static readonly TimeSpan CommandBound = TimeSpan.FromMinutes(4);

    /// <summary>The readme-test lines in README order, continuations joined.</summary>
    public static IReadOnlyList<string> Commands()
    {
        var commands = new List<string>();
        var inBlock = false;
        var pending = new StringBuilder();
        foreach (var raw in File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "README.md")))
        {
            if (raw.StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock && raw.Trim() == "```bash readme-test";
                continue;
            }

            if (!inBlock || raw.Trim().Length == 0)
            {
                continue;
            }

            if (raw.TrimEnd().EndsWith('\\'))
            {
                pending.Append(raw.TrimEnd()[..^1]);
                continue;
            }

            commands.Add(pending.Append(raw).ToString());
            pending.Clear();
        }

        return commands;
    }

    [Test]
    public void Commands_Readme_HasTheDemoTheSidecarHelpAndAMistake()
    {
        var commands = Commands();

        Assert.Multiple(() =>
        {
            Assert.That(commands, Has.Some.StartsWith("dotnet run --project src/Verifier.Testing.Host -- "));
            Assert.That(commands, Has.Some.StartsWith("dotnet run --project samples/TokenServer -- "));
            Assert.That(commands, Has.Some.StartsWith("dotnet run --project samples/TokenClient -- "));
            Assert.That(commands, Has.Some.StartsWith("dotnet run --project samples/VerifierSidecar -- "));
            Assert.That(commands, Has.Some.Contains("--help"));
            Assert.That(commands, Has.Some.Matches<string>(c => c!.Contains("# exit ", StringComparison.Ordinal)));
        });
    }

    [Test]
    public async Task Readme_CommandsVerbatim_DoWhatTheReadmeSays()
    {
        // The API server first (the samples and the sidecar use its kubeconfig), then the rest in README order.
        var commands = Commands().OrderBy(c => c.Contains("src/Verifier.Testing.Host", StringComparison.Ordinal) ? 0 : 1).ToList();
        await using var sandbox = await Sandbox.StartAsync();
        var servers = new List<RunningCommand>();
        try
        {
            foreach (var command in commands)
            {
                var comment = command.Contains(" # ", StringComparison.Ordinal) ? command[(command.IndexOf(" # ", StringComparison.Ordinal) + 3)..].Trim() : "";
                if (comment.StartsWith("-> ", StringComparison.Ordinal) || ExitExpectation().IsMatch(comment))
                {
                    var result = await sandbox.RunAsync(command, CommandBound);
                    if (ExitExpectation().Match(comment) is { Success: true } exit)
                    {
                        Assert.Multiple(() =>
                        {
                            Assert.That(result.ExitCode, Is.EqualTo(int.Parse(exit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), command + "\n" + result);
                            Assert.That(result.Stderr, Does.Contain(exit.Groups[2].Value.Trim()), command + "\n" + result);
                            Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
                        });
                    }
                    else
                    {
                        var expected = comment[3..].Split("...")[0].Trim();
                        Assert.Multiple(() =>
                        {
                            Assert.That(result.ExitCode, Is.Zero, command + "\n" + result);
                            Assert.That(result.Stdout, Does.Contain(expected), command + "\n" + result);
                        });
                    }
                }
                else
                {
                    var server = sandbox.Start(command);
                    servers.Add(server);
                    await server.WaitForReadyAsync(CommandBound);
                }
            }

            Assert.That(servers.Where(s => s.HasExited).Select(s => s.Command), Is.Empty, "every server is still running at the end");
        }
        finally
        {
            foreach (var server in servers)
            {
                server.Dispose();
            }
        }
    }

    [GeneratedRegex(@"^exit (\d+): (.+)$")]
    private static partial Regex ExitExpectation();

    /// <summary>A private network (its own loopback) and mount namespace (its own /tmp), held open by a sleeping process.</summary>
    private sealed class Sandbox : IAsyncDisposable
    {
        private readonly Process _holder;

        private Sandbox(Process holder) => _holder = holder;

        public static async Task<Sandbox> StartAsync()
        {
            var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["--mount", "--net", "--propagation", "private", "sh", "-c", "mount -t tmpfs tmpfs /tmp && ip link set lo up && echo ready && exec sleep 3600"])
            {
                info.ArgumentList.Add(arg);
            }

            var holder = Process.Start(info)!;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await holder.StandardOutput.ReadLineAsync(cts.Token);
            if (line != "ready")
            {
                holder.Kill();
                Assert.Fail("unshare --mount --net (root, or CAP_SYS_ADMIN) is needed to run the README's commands on their fixed ports: " + await holder.StandardError.ReadToEndAsync(cts.Token));
            }

            return new Sandbox(holder);
        }

        public ProcessStartInfo Info(string command)
        {
            var info = new ProcessStartInfo("nsenter")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = RepositoryRoot.Path,
            };
            foreach (var arg in (string[])["-t", _holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mount", "--net", "--wd=" + RepositoryRoot.Path, "bash", "-c", command])
            {
                info.ArgumentList.Add(arg);
            }

            // The environment of a user's shell, minus this runner's own settings; no build servers that would outlive
            // the test inside the namespace.
            info.Environment.Remove("ASPNETCORE_URLS");
            info.Environment.Remove("ASPNETCORE_HTTP_PORTS");
            info.Environment.Remove("KUBERNETES_SERVICE_HOST");
            info.Environment.Remove("KUBECONFIG");
            info.Environment["DOTNET_NOLOGO"] = "1";
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            info.Environment["UseSharedCompilation"] = "false";
            return info;
        }

        public Task<ProcessResult> RunAsync(string command, TimeSpan bound) => ProcessResult.RunAsync(Info(command), bound);

        public RunningCommand Start(string command) => new(command, Process.Start(Info(command))!);

        public async ValueTask DisposeAsync()
        {
            if (!_holder.HasExited)
            {
                _holder.Kill(entireProcessTree: true);
                await _holder.WaitForExitAsync();
            }

            _holder.Dispose();
        }
    }

    /// <summary>A server started from a README line; ready when it prints the line a user waits for.</summary>
    private sealed class RunningCommand : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public RunningCommand(string command, Process process)
        {
            Command = command;
            _process = process;
            _process.StandardInput.Close();
            _process.OutputDataReceived += (_, e) => OnLine(e.Data);
            _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            _process.EnableRaisingEvents = true;
            _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"exited ({_process.ExitCode}) before it was ready:\n{Output}"));
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Command { get; }

        public bool HasExited => _process.HasExited;

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task WaitForReadyAsync(TimeSpan bound)
        {
            try
            {
                await _ready.Task.WaitAsync(bound);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                Assert.Fail($"{Command}\n{e.Message}\n{Output}");
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }

            // LocalApiServer's host, and ASP.NET Core's lifetime line (after startup, i.e. after WaitUntilReady).
            if (line.StartsWith("Press Ctrl+C", StringComparison.Ordinal) || line.Contains("Application started.", StringComparison.Ordinal))
            {
                _ready.TrySetResult();
            }
        }
    }
}
