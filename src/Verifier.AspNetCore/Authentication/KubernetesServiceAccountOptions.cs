using Microsoft.AspNetCore.Authentication;

namespace Verifier.AspNetCore.Authentication;

/// <summary>Options of one Kubernetes service-account authentication scheme.</summary>
public sealed class KubernetesServiceAccountOptions : AuthenticationSchemeOptions
{
    public KubernetesServiceAccountOptions() => Events = new KubernetesServiceAccountEvents();

    /// <summary>
    /// Audiences this scheme accepts. Empty (default): whatever the verifier is configured with
    /// (<see cref="KubernetesTokenVerifierOptions.Audiences"/>, section <c>Verifier:Audiences</c>).
    /// </summary>
    /// <remarks>
    /// There is one verifier per application and it checks audiences itself, so these are forwarded into
    /// <see cref="KubernetesTokenVerifierOptions.Audiences"/> by a post-configure step: they become the verifier's
    /// audiences when it has none, must equal them (as a set) when it has some, and every scheme that sets
    /// audiences must set the same ones. A conflict fails startup with a message naming the scheme, rather than
    /// letting one scheme silently accept tokens meant for another audience.
    /// </remarks>
    public IList<string> Audiences { get; set; } = [];

    /// <summary>The events; a fresh <see cref="KubernetesServiceAccountEvents"/> by default.</summary>
    public new KubernetesServiceAccountEvents Events
    {
        get => (KubernetesServiceAccountEvents)base.Events!;
        set => base.Events = value;
    }
}
