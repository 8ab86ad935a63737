using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Verifier.Tests.Deploy;

namespace Verifier.Tests.CommandLine;

/// <summary>
/// The README's commands, run verbatim from the repository as a user pastes them: every line of the code blocks
/// tagged <c>```bash readme-test</c> (a trailing <c>\</c> continues a line), unchanged, with <c>bash -c</c> from the
/// repository root. They use the README's fixed ports (6443, 8080, 8081) and <c>/tmp</c> paths: a port taken by
/// something else shows as that server's one-line "in use" error and exit 5.
/// What each line must do is read from its trailing comment:
/// <c># -> TEXT...</c> it exits 0 and prints TEXT; <c># exit N: TEXT</c> it exits N and prints TEXT on stderr;
/// anything else is a server, which must come up (its ready line) and keep running until the end.
/// </summary>
[NonParallelizable]
[Platform(Exclude = "Win", Reason = "bash and curl")]
public sealed partial class ReadmeCommandTests
{
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(150);

    private readonly List<RunningCommand> _servers = [];

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

    /// <summary>The API server first (the samples and the sidecar use its kubeconfig), then the rest in README order.</summary>
    public static IEnumerable<TestCaseData> OrderedCommands() =>
        Commands().OrderBy(c => c.Contains("src/Verifier.Testing.Host", StringComparison.Ordinal) ? 0 : 1)
            .Select((c, i) => new TestCaseData(c).SetName($"Readme_Command{i + 1:00}_DoesWhatItsCommentSays"));

    [OneTimeTearDown]
    public void StopServers()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }

    /// <summary>One case per line (each well under the suite's 3-minute hang guard, builds included), in order.</summary>
    [TestCaseSource(nameof(OrderedCommands))]
    public async Task Readme_Command_DoesWhatItsCommentSays(string command)
    {
        Assert.That(_servers.Where(s => s.HasExited).Select(s => s.Command), Is.Empty, "the servers started by earlier lines are still running");
        var comment = command.Contains(" # ", StringComparison.Ordinal) ? command[(command.IndexOf(" # ", StringComparison.Ordinal) + 3)..].Trim() : "";
        if (!comment.StartsWith("-> ", StringComparison.Ordinal) && !ExitExpectation().IsMatch(comment))
        {
            var server = new RunningCommand(command, Process.Start(Info(command))!);
            _servers.Add(server);
            await server.WaitForReadyAsync(CommandBound);
            return;
        }

        var result = await ProcessResult.RunAsync(Info(command), CommandBound);
        if (ExitExpectation().Match(comment) is { Success: true } exit)
        {
            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.EqualTo(int.Parse(exit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), command + "\n" + result);
                Assert.That(result.Stderr, Does.Contain(exit.Groups[2].Value.Trim()), command + "\n" + result);
                Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
            });
            return;
        }

        var expected = comment[3..].Split("...")[0].Trim();
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, command + "\n" + result);
            Assert.That(result.Stdout, Does.Contain(expected), command + "\n" + result);
        });
    }

    [GeneratedRegex(@"^exit (\d+): (.+)$")]
    private static partial Regex ExitExpectation();

    /// <summary><c>bash -c LINE</c> from the repository root, with a user's environment and no lingering build servers.</summary>
    private static ProcessStartInfo Info(string command)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
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
