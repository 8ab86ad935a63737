using System.Text;

namespace Verifier.AspNetCore.Authentication;

/// <summary>Formats RFC 6750 <c>WWW-Authenticate</c> values and the reason classes used in them.</summary>
internal static class BearerChallenge
{
    public const string Scheme = "Bearer";
    public const string InvalidToken = "invalid_token";

    /// <summary>The stable reason class of a failure: the snake_case reason, as in metrics (<c>expired</c>, <c>bad_signature</c>).</summary>
    public static string ReasonClass(VerificationFailureReason reason) => reason.ToWireName();

    /// <summary><c>Bearer</c>, or <c>Bearer error="…", error_description="…"</c> (RFC 6750 §3). Quotes and backslashes are escaped.</summary>
    public static string Format(string? error, string? errorDescription)
    {
        if (string.IsNullOrEmpty(error) && string.IsNullOrEmpty(errorDescription))
        {
            return Scheme;
        }

        var builder = new StringBuilder(Scheme).Append(' ');
        var first = true;
        AppendParameter(builder, "error", error, ref first);
        AppendParameter(builder, "error_description", errorDescription, ref first);
        return builder.ToString();
    }

    private static void AppendParameter(StringBuilder builder, string name, string? value, ref bool first)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (!first)
        {
            builder.Append(", ");
        }

        first = false;
        builder.Append(name).Append("=\"");
        foreach (var c in value)
        {
            // RFC 6750: error and error_description are restricted to %x20-21 / %x23-5B / %x5D-7E.
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        builder.Append('"');
    }
}
