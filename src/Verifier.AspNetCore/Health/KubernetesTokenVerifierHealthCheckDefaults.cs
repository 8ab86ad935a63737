namespace Verifier.AspNetCore.Health;

/// <summary>Default registration values of the token verifier health check.</summary>
public static class KubernetesTokenVerifierHealthCheckDefaults
{
    /// <summary>The default check name: <c>kubernetes-token-verifier</c>.</summary>
    public const string Name = "kubernetes-token-verifier";

    /// <summary>The tag added by default, for <c>MapHealthChecks("/healthz/ready", new() { Predicate = c => c.Tags.Contains("ready") })</c>.</summary>
    public const string ReadyTag = "ready";
}
