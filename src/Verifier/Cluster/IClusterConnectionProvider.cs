namespace Verifier.Cluster;

/// <summary>Resolves <see cref="ApiServerOptions"/> once into a <see cref="ClusterConnection"/>.</summary>
internal interface IClusterConnectionProvider
{
    /// <summary>Null when no API server is configured (Local mode with a public-issuer or static key source).</summary>
    ClusterConnection? Connection { get; }
}
