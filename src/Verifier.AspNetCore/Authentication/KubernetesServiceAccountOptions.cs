using Microsoft.AspNetCore.Authentication;

namespace Verifier.AspNetCore.Authentication;

/// <summary>Options of one Kubernetes service-account authentication scheme.</summary>
public sealed class KubernetesServiceAccountOptions : AuthenticationSchemeOptions
{
    public KubernetesServiceAccountOptions() => Events = new KubernetesServiceAccountEvents();

    /// <summary>
    /// Narrows this scheme to tokens carrying at least one of these audiences. Empty (default): every audience the
    /// verifier accepts. Each entry must be one of the verifier's own audiences
    /// (<see cref="KubernetesTokenVerifierOptions.Audiences"/>, section <c>Verifier:Audiences</c>), checked at start.
    /// </summary>
    /// <remarks>
    /// The accepted audiences have one home, the verifier's options: there is one verifier per application, it checks
    /// the audience itself, and its result cache and TokenReviews are keyed by that one list. A scheme's list only
    /// selects among them, so two schemes can serve different audiences of one verifier. A verified token that
    /// carries none of the scheme's audiences is refused with 401 <c>wrong_audience</c>.
    /// </remarks>
    public IList<string> Audiences { get; set; } = [];

    /// <summary>The events; a fresh <see cref="KubernetesServiceAccountEvents"/> by default.</summary>
    public new KubernetesServiceAccountEvents Events
    {
        get => (KubernetesServiceAccountEvents)base.Events!;
        set => base.Events = value;
    }
}
