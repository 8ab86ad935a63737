using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Verifier.AspNetCore.Endpoints;

/// <summary>Builds a TokenReview <c>status</c> from a verdict, the way kube-apiserver fills it (docs/kube-apiserver.md §4 and §6).</summary>
internal static class TokenReviewStatusFactory
{
    // kube-apiserver's loopback-token authenticator always fails first in the union, so every error is an
    // aggregate "[invalid bearer token, <specific error>]"; tokens no authenticator claims give just this text.
    private const string InvalidBearerToken = "invalid bearer token";

    /// <param name="result">The verifier's verdict (not transient: those are answered with a 503 Status).</param>
    /// <param name="token">The reviewed token: its claimed <c>aud</c> goes into kube's audience error text.</param>
    /// <param name="requestedAudiences">
    /// <c>spec.audiences</c>, or, when the review names none, the verifier's configured audiences (kube-apiserver
    /// uses its API audiences there). The answer is requested ∩ token audiences in requested order, as in kube's
    /// <c>Audiences.Intersect</c>. The verifier has already cut the token's audiences down to the configured ones, so
    /// an audience outside the configured set never authenticates here, where kube-apiserver would accept any.
    /// </param>
    public static TokenReviewStatus Create(TokenVerificationResult result, string token, IList<string> requestedAudiences)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(requestedAudiences);
        if (!result.Succeeded)
        {
            return new TokenReviewStatus { Error = ErrorText(result, token, requestedAudiences) };
        }

        var identity = result.Identity;
        var selected = new List<string>(requestedAudiences.Count);
        foreach (var audience in requestedAudiences)
        {
            if (Contains(identity.Audiences, audience) && !selected.Contains(audience))
            {
                selected.Add(audience);
            }
        }

        if (selected.Count == 0)
        {
            return new TokenReviewStatus { Error = AudienceError(token, identity.Audiences, requestedAudiences) };
        }

        return new TokenReviewStatus
        {
            Authenticated = true,
            User = TokenReviewUser.From(identity),
            Audiences = selected,
        };
    }

    /// <summary>kube-apiserver's error text for a failed verdict.</summary>
    internal static string ErrorText(TokenVerificationResult result, string token, IList<string> requestedAudiences) => result.Reason switch
    {
        // hasCorrectIssuer (and go-jose's parser) say "not mine" without an error: only the loopback authenticator's text remains.
        VerificationFailureReason.Malformed or VerificationFailureReason.TooLarge or VerificationFailureReason.WrongIssuer => InvalidBearerToken,

        // jwt.go: a kid that matches no key.
        VerificationFailureReason.UnknownKey => Wrap("invalid signature, no keys found"),

        // go-jose v4's text for a signature that does not verify (v2 said "square/go-jose: …").
        VerificationFailureReason.BadSignature => Wrap("go-jose/go-jose: error in cryptographic primitive"),

        VerificationFailureReason.WrongAudience => AudienceError(token, [], requestedAudiences),

        // TokenReview-backed verdicts already carry kube-apiserver's own text.
        _ when result.Message is { } message && message.StartsWith(InvalidBearerToken, StringComparison.Ordinal) => message,
        _ when result.Message is { } message && message.StartsWith("[" + InvalidBearerToken, StringComparison.Ordinal) => message,
        _ => string.IsNullOrEmpty(result.Message) ? InvalidBearerToken : Wrap(result.Message),
    };

    /// <summary>Go's <c>%q</c> of a <c>[]string</c>: <c>["a" "b"]</c>.</summary>
    internal static string GoQuote(IEnumerable<string> values)
    {
        var builder = new StringBuilder("[");
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

    /// <summary>
    /// The <c>aud</c> the token claims (string or array), read without verification and only for the error text:
    /// kube-apiserver prints the token's audiences, not just the accepted ones. Empty when unreadable.
    /// </summary>
    internal static IReadOnlyList<string> ClaimedAudiences(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length > 64 * 1024)
        {
            return [];
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(parts[1]);
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return [];
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isAudience = reader.ValueTextEquals("aud"u8);
                reader.Read();
                if (!isAudience)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType == JsonTokenType.String)
                {
                    return [reader.GetString()!];
                }

                var audiences = new List<string>();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.String)
                    {
                        audiences.Add(reader.GetString()!);
                    }
                }

                return audiences;
            }
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return [];
        }

        return [];
    }

    private static string AudienceError(string token, IReadOnlyList<string> fallback, IList<string> requested)
    {
        var claimed = ClaimedAudiences(token);

        // kube-apiserver (jwt.go): token audiences %q is invalid for the target audiences %q
        return Wrap("token audiences " + GoQuote(claimed.Count > 0 ? claimed : fallback) + " is invalid for the target audiences " + GoQuote(requested));
    }

    private static string Wrap(string message) => "[" + InvalidBearerToken + ", " + message + "]";

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
