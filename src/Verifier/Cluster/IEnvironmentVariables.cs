namespace Verifier.Cluster;

/// <summary>Reads environment variables; injected so tests can resolve in-cluster settings without touching the process.</summary>
internal interface IEnvironmentVariables
{
    string? Get(string name);
}
