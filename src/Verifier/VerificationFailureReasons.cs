namespace Verifier;

/// <summary>
/// What each <see cref="VerificationFailureReason"/> means beyond its name, defined once: which reasons are transient
/// (HTTP 503, "retry", never a verdict on the token) and each reason's wire name (the <c>reason</c> metric tag and the
/// reason class in HTTP answers).
/// </summary>
internal static class VerificationFailureReasons
{
    // Cached: Enum.ToString() allocates, and the wire name is read per verification.
    private static readonly string[] WireNames = BuildWireNames();

    /// <summary>
    /// True for failures that say nothing about the token (no usable keys, API server unreachable, our own
    /// credentials refused): the caller should retry, so HTTP 503, not 401. Shadow comparisons involving one are
    /// inconclusive.
    /// </summary>
    public static bool IsTransient(this VerificationFailureReason reason) => reason is VerificationFailureReason.KeysUnavailable
        or VerificationFailureReason.ApiServerUnavailable
        or VerificationFailureReason.VerifierMisconfigured;

    /// <summary>The reason in snake_case (<c>unknown_key</c>, <c>none</c> for success); stable, part of the metric and HTTP contract.</summary>
    public static string ToWireName(this VerificationFailureReason reason) =>
        (uint)reason < (uint)WireNames.Length ? WireNames[(int)reason] : "unknown";

    private static string[] BuildWireNames()
    {
        var values = Enum.GetValues<VerificationFailureReason>();
        var names = new string[values.Length];
        foreach (var value in values)
        {
            var name = value.ToString();
            var builder = new System.Text.StringBuilder(name.Length + 4);
            for (var i = 0; i < name.Length; i++)
            {
                if (char.IsUpper(name[i]) && i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(name[i]));
            }

            names[(int)value] = builder.ToString();
        }

        return names;
    }
}
