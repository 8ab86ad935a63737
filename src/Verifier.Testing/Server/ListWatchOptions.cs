using System.Globalization;

namespace Verifier.Testing.Server;

/// <summary>The list and watch query parameters (metav1.ListOptions), validated as kube-apiserver validates them.</summary>
internal sealed record ListWatchOptions(
    string ResourceVersion,
    string ResourceVersionMatch,
    bool AllowWatchBookmarks,
    long? TimeoutSeconds,
    long Limit,
    string Continue,
    string LabelSelector,
    string FieldSelector,
    bool? SendInitialEvents)
{
    public const string Exact = "Exact";
    public const string NotOlderThan = "NotOlderThan";

    /// <summary>The options, or the 400/422 kube-apiserver answers for them.</summary>
    public static (ListWatchOptions? Options, ApiError? Error) Parse(IQueryCollection query, bool watch)
    {
        string Get(string name) => query.TryGetValue(name, out var v) ? v.ToString() : "";

        var options = new ListWatchOptions(
            Get("resourceVersion"),
            Get("resourceVersionMatch"),
            Get("allowWatchBookmarks") is "true" or "1",
            null,
            0,
            Get("continue"),
            Get("labelSelector"),
            Get("fieldSelector"),
            Get("sendInitialEvents") switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => null,
            });

        if (Get("timeoutSeconds") is { Length: > 0 } t)
        {
            if (!long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                return (null, ApiError.BadRequest($"timeoutSeconds: invalid value \"{t}\": strconv.ParseInt: parsing \"{t}\": invalid syntax"));
            }

            options = options with { TimeoutSeconds = seconds };
        }

        if (Get("limit") is { Length: > 0 } l)
        {
            if (!long.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit))
            {
                return (null, ApiError.BadRequest($"limit: invalid value \"{l}\": strconv.ParseInt: parsing \"{l}\": invalid syntax"));
            }

            options = options with { Limit = Math.Max(0, limit) };
        }

        if (options.ResourceVersion.Length > 0 && !ulong.TryParse(options.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            // The storage layer's ParseResourceVersion.
            return (null, Invalid("resourceVersion", $"Invalid value: \"{options.ResourceVersion}\": invalid resource version"));
        }

        var error = options.Validate(watch);
        return error is null ? (options, null) : (null, error);
    }

    /// <summary>The resource version as a number; 0 when unset or "0".</summary>
    public long Version => ResourceVersion.Length == 0 ? 0 : long.Parse(ResourceVersion, CultureInfo.InvariantCulture);

    // apimachinery's ValidateListOptions.
    private ApiError? Validate(bool watch)
    {
        if (ResourceVersionMatch.Length > 0)
        {
            if (ResourceVersionMatch is not (Exact or NotOlderThan))
            {
                return Invalid("resourceVersionMatch", $"Unsupported value: \"{ResourceVersionMatch}\": supported values: \"{Exact}\", \"{NotOlderThan}\"");
            }

            if (watch && SendInitialEvents is null)
            {
                return Invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
            }

            if (!watch && ResourceVersion.Length == 0)
            {
                return Invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
            }

            if (Continue.Length > 0)
            {
                return Invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden when continue is provided");
            }

            if (ResourceVersionMatch == Exact && ResourceVersion == "0")
            {
                return Invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
            }
        }

        if (SendInitialEvents is not null)
        {
            if (!watch)
            {
                return Invalid("sendInitialEvents", "Forbidden: sendInitialEvents is forbidden for list");
            }

            if (SendInitialEvents == true && ResourceVersionMatch != NotOlderThan)
            {
                return Invalid("resourceVersionMatch", $"Forbidden: sendInitialEvents requires setting resourceVersionMatch to {NotOlderThan}");
            }

            if (SendInitialEvents == true && !AllowWatchBookmarks)
            {
                return Invalid("allowWatchBookmarks", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true");
            }
        }

        if (Continue.Length > 0 && ResourceVersion.Length > 0 && ResourceVersion != "0")
        {
            return ApiError.BadRequest("specifying resource version is not allowed when using continue");
        }

        return null;
    }

    /// <summary>errors.NewInvalid for kind ListOptions.meta.k8s.io with one field error.</summary>
    private static ApiError Invalid(string field, string detail) =>
        new(422, "Invalid", $"ListOptions.meta.k8s.io \"\" is invalid: {field}: {detail}", new StatusDetailsDto
        {
            Group = "meta.k8s.io",
            Kind = "ListOptions",
            Causes = [new StatusCauseDto { Reason = detail.StartsWith("Forbidden", StringComparison.Ordinal) ? "FieldValueForbidden" : detail.StartsWith("Unsupported", StringComparison.Ordinal) ? "FieldValueNotSupported" : "FieldValueInvalid", Message = detail, Field = field }],
        });
}
