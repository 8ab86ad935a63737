namespace Verifier.Hosting;

/// <summary>Whether host startup waits for the verifier's first key set.</summary>
public sealed class KubernetesTokenVerifierStartupOptions
{
    /// <summary>The configuration section conventionally bound: <c>Verifier:Startup</c>.</summary>
    public const string SectionName = "Verifier:Startup";

    /// <summary>
    /// Wait, once every hosted service (the key worker included) has started, until the verifier is ready.
    /// Default false: start degraded; until keys arrive, tokens are refused with 503 and the health check is Unhealthy.
    /// </summary>
    public bool WaitUntilReady { get; set; }

    /// <summary>How long to wait. Default 30 s.</summary>
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On timeout, fail host startup (true, default: the process exits and the orchestrator restarts it) or log a
    /// warning and continue degraded (false).
    /// </summary>
    public bool FailOnTimeout { get; set; } = true;
}
