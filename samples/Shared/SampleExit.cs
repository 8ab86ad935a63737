using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Samples;

/// <summary>
/// Runs the app and turns the mistakes a user makes (command line, configuration, a port in use) into one line on
/// stderr and an exit code, instead of an unhandled exception with a stack trace (exit 134).
/// </summary>
public static class SampleExit
{
    public const int Usage = 2;
    public const int Configuration = 3;
    public const int AddressInUse = 5;
    public const int NotReady = 6;

    public static async Task<int> RunAsync(string name, Func<WebApplication> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        try
        {
            var app = build();

            // ValidateOnStart would otherwise throw inside the host's start, which logs it with a stack trace first.
            app.Services.GetService<IStartupValidator>()?.Validate();
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (ArgumentException e)
        {
            return Fail(name, Usage, e.Message);
        }
        catch (Exception e) when (Failures(e) is { Count: > 0 } failures)
        {
            return Fail(name, Configuration, "configuration: " + string.Join(" ", failures));
        }
        catch (IOException e) when (e.InnerException is AddressInUseException)
        {
            return Fail(name, AddressInUse, e.Message + " Stop the process that uses it, or pick another address with --urls=http://127.0.0.1:PORT.");
        }
        catch (TimeoutException e)
        {
            // Verifier:Startup:FailOnTimeout: the message names the settings and what to check.
            return Fail(name, NotReady, e.Message);
        }
    }

    /// <summary>
    /// A configuration value that cannot be converted to its option's type (<c>--Sidecar:Port=abc</c>,
    /// <c>--Verifier:Mode=Fast</c>): the binder's message names the key, the value and the type.
    /// </summary>
    public static bool IsBindingFailure(Exception e) =>
        e is InvalidOperationException { InnerException: FormatException or ArgumentException or OverflowException or NotSupportedException }
        && e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    private static List<string> Failures(Exception e) => e switch
    {
        OptionsValidationException v => [.. v.Failures],
        AggregateException a => [.. a.InnerExceptions.SelectMany(Failures)],
        InvalidOperationException when IsBindingFailure(e) => [e.Message + " Fix or remove that setting."],

        // The library's connection errors (missing kubeconfig, unknown context) say how to fix the setting.
        InvalidOperationException when e.GetType().Name == "ClusterConfigurationException" => [e.Message],
        _ => [],
    };

    private static int Fail(string name, int code, string message)
    {
        Console.Error.WriteLine($"{name}: {message.ReplaceLineEndings(" ")}");
        return code;
    }
}
