namespace Verifier.Cluster;

/// <summary>The real process environment.</summary>
internal sealed class ProcessEnvironmentVariables : IEnvironmentVariables
{
    public static readonly ProcessEnvironmentVariables Instance = new();

    public string? Get(string name) => Environment.GetEnvironmentVariable(name);
}
