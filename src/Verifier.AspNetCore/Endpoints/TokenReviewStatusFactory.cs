namespace Verifier.AspNetCore.Endpoints;

/// <summary>Builds a TokenReview <c>status</c> from a verdict, the way kube-apiserver fills it (§6 of the token reference).</summary>
internal static class TokenReviewStatusFactory
{
    // kube-apiserver's loopback-token authenticator always fails first in the union, so every error is an
    // aggregate "[invalid bearer token, <specific error>]"; tokens no authenticator claims give just this text.
    private const string InvalidBearerToken = "invalid bearer token";

    /// <param name="result">The verifier's verdict (not transient: those are answered with a 503 Status).</param>
    /// <param name="requestedAudiences">
    /// <c>spec.audiences</c>. kube-apiserver answers with requested ∩ token audiences (in requested order). The
    /// verifier has already cut the token's audiences down to the configured ones, so audiences outside the
    /// configured set are never reported as authenticated here (kube-apiserver would accept any requested audience).
    /// </param>
    public static TokenReviewStatus Create(TokenVerificationResult result, IList<string>? requestedAudiences)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Succeeded)
        {
            return new TokenReviewStatus { Error = ErrorText(result) };
        }

        var identity = result.Identity;
        IReadOnlyList<string> audiences = identity.Audiences;
        if (requestedAudiences is { Count: > 0 })
        {
            var selected = new List<string>(requestedAudiences.Count);
            foreach (var audience in requestedAudiences)
            {
                if (Contains(identity.Audiences, audience))
                {
                    selected.Add(audience);
                }
            }

            if (selected.Count == 0)
            {
                // kube-apiserver (jwt.go): token audiences %q is invalid for the target audiences %q
                return new TokenReviewStatus
                {
                    Error = "[" + InvalidBearerToken + ", token audiences " + GoQuote(identity.Audiences)
                        + " is invalid for the target audiences " + GoQuote(requestedAudiences) + "]",
                };
            }

            audiences = selected;
        }

        return new TokenReviewStatus
        {
            Authenticated = true,
            User = TokenReviewUser.From(identity),
            Audiences = audiences,
        };
    }

    /// <summary>kube-apiserver's error text for a failed verdict.</summary>
    internal static string ErrorText(TokenVerificationResult result) => result.Reason switch
    {
        // hasCorrectIssuer says "not mine" without an error: only the loopback authenticator's text remains.
        VerificationFailureReason.Malformed or VerificationFailureReason.TooLarge or VerificationFailureReason.WrongIssuer => InvalidBearerToken,
        _ => string.IsNullOrEmpty(result.Message) ? InvalidBearerToken : "[" + InvalidBearerToken + ", " + result.Message + "]",
    };

    /// <summary>Go's <c>%q</c> of a <c>[]string</c>: <c>["a" "b"]</c>.</summary>
    internal static string GoQuote(IEnumerable<string> values)
    {
        var builder = new System.Text.StringBuilder("[");
        var first = true;
        foreach (var value in values)
        {
            if (!first)
            {
                builder.Append(' ');
            }

            first = false;
            builder.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return builder.Append(']').ToString();
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
