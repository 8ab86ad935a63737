using Microsoft.Extensions.Options;

namespace Verifier.Cluster;

/// <summary>
/// Validates <c>Verifier:ApiServer</c> at start, so a bad timeout or size cap fails the host's start, not the first
/// request. <see cref="ClusterConnectionProvider"/> applies the same checks to connections built outside the host.
/// </summary>
internal sealed class ApiServerOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OptionErrors.ToResult(Problems(options.ApiServer, KubernetesTokenVerifierOptions.SectionName + ":ApiServer:"));
    }

    /// <summary>What is wrong with <paramref name="options"/>, each message naming <paramref name="prefix"/> + the setting.</summary>
    public static List<string> Problems(ApiServerOptions options, string prefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.RequestTimeout <= TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{prefix}RequestTimeout must be positive (is {options.RequestTimeout}); the default is 00:00:10.");
        }

        if (options.TokenRereadInterval <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}TokenRereadInterval must be positive (is {options.TokenRereadInterval}); the default is 00:01:00.");
        }

        if (options.ExecTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}ExecTimeout must be positive (is {options.ExecTimeout}); the default is 00:00:30.");
        }

        if (options.MaxResponseBytes <= 0)
        {
            errors.Add($"{prefix}MaxResponseBytes must be positive (is {options.MaxResponseBytes}); the default is 1048576.");
        }

        return errors;
    }
}
