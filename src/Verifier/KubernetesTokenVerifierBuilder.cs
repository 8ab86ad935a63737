namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddKubernetesTokenVerifier</c>, for further configuration of the verifier's services.</summary>
public sealed class KubernetesTokenVerifierBuilder
{
    internal KubernetesTokenVerifierBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }
}
