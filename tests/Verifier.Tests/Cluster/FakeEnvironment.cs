using Verifier.Cluster;

namespace Verifier.Tests.Cluster;

/// <summary>Environment variables from a dictionary, so in-cluster resolution is tested without touching the process.</summary>
public sealed class FakeEnvironment(IReadOnlyDictionary<string, string> variables) : IEnvironmentVariables
{
    public static FakeEnvironment Empty { get; } = new(new Dictionary<string, string>());

    public string? Get(string name) => variables.TryGetValue(name, out var value) ? value : null;
}
