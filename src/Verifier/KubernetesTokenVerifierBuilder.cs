namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddKubernetesTokenVerifier</c>: the hub for the verifier's optional parts, as extension methods
/// (<c>WaitUntilReadyOnStartup</c>), and for further registrations through <see cref="Services"/>.
/// </summary>
public sealed class KubernetesTokenVerifierBuilder
{
    internal KubernetesTokenVerifierBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }
}
