namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// Hooks into the scheme, shaped like JwtBearer's events. Assign delegates, or derive and override, and set the
/// instance (or <c>EventsType</c>) on <see cref="KubernetesServiceAccountOptions"/>.
/// </summary>
public class KubernetesServiceAccountEvents
{
    /// <summary>Before the token is read: set <see cref="KubernetesMessageReceivedContext.Token"/> to take it from elsewhere.</summary>
    public Func<KubernetesMessageReceivedContext, Task> OnMessageReceived { get; set; } = static _ => Task.CompletedTask;

    /// <summary>After the verifier accepted the token: add claims, or call <c>Fail</c> for a custom check.</summary>
    public Func<KubernetesTokenValidatedContext, Task> OnTokenValidated { get; set; } = static _ => Task.CompletedTask;

    /// <summary>After the verifier rejected the token (including transient failures).</summary>
    public Func<KubernetesAuthenticationFailedContext, Task> OnAuthenticationFailed { get; set; } = static _ => Task.CompletedTask;

    /// <summary>Before the 401/503 is written: change the error fields, or call <c>HandleResponse</c> to write your own.</summary>
    public Func<KubernetesChallengeContext, Task> OnChallenge { get; set; } = static _ => Task.CompletedTask;

    public virtual Task MessageReceived(KubernetesMessageReceivedContext context) => OnMessageReceived(context);

    public virtual Task TokenValidated(KubernetesTokenValidatedContext context) => OnTokenValidated(context);

    public virtual Task AuthenticationFailed(KubernetesAuthenticationFailedContext context) => OnAuthenticationFailed(context);

    public virtual Task Challenge(KubernetesChallengeContext context) => OnChallenge(context);
}
