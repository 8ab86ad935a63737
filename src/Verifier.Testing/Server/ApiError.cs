namespace Verifier.Testing.Server;

/// <summary>An error as kube-apiserver reports it: an HTTP code plus a <c>Status</c> body (k8s.io/apimachinery errors.go texts).</summary>
internal sealed record ApiError(int Code, string? Reason, string Message, StatusDetailsDto? Details = null)
{
    /// <summary>Seconds for the <c>Retry-After</c> header (429/503).</summary>
    public int? RetryAfterSeconds { get; init; }

    public StatusDto ToStatus() => new() { Message = Message, Reason = Reason, Details = Details, Code = Code };

    /// <summary><c>pods "x" not found</c>.</summary>
    public static ApiError NotFound(string resource, string name, string? group = null) =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", new StatusDetailsDto { Name = Empty(name), Group = Empty(group), Kind = resource });

    public static ApiError NotFoundResource() =>
        new(404, "NotFound", "the server could not find the requested resource", new StatusDetailsDto());

    public static ApiError AlreadyExists(string resource, string name, string? group = null) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", new StatusDetailsDto { Name = name, Group = Empty(group), Kind = resource });

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>errors.NewConflict: <c>Operation cannot be fulfilled on Pod "web-0": …</c>.</summary>
    public static ApiError Conflict(string resource, string name, string message, string? group = null) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": {message}", new StatusDetailsDto { Name = Empty(name), Group = Empty(group), Kind = resource });

    /// <summary>errors.NewInvalid with one field error: <c>Kind.group "name" is invalid: field: Invalid value: v: detail</c>.</summary>
    public static ApiError Invalid(string kind, string group, string name, string field, string value, string detail)
    {
        var causeMessage = $"Invalid value: {value}: {detail}";
        return new(422, "Invalid", $"{kind}.{group} \"{name}\" is invalid: {field}: {causeMessage}", new StatusDetailsDto
        {
            Name = Empty(name),
            Group = group,
            Kind = kind,
            Causes = [new StatusCauseDto { Reason = "FieldValueInvalid", Message = causeMessage, Field = field }],
        });
    }

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    /// <summary>errors.NewForbidden as the authorization filter writes it.</summary>
    public static ApiError Forbidden(string? resource, string? group, string? name, string reason)
    {
        string message;
        if (string.IsNullOrEmpty(resource))
        {
            message = "forbidden: " + reason;
        }
        else if (string.IsNullOrEmpty(name))
        {
            message = $"{Qualified(resource, group)} is forbidden: {reason}";
        }
        else
        {
            message = $"{Qualified(resource, group)} \"{name}\" is forbidden: {reason}";
        }

        return new(403, "Forbidden", message, new StatusDetailsDto { Name = Empty(name), Group = Empty(group), Kind = Empty(resource) });
    }

    public static ApiError MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", new StatusDetailsDto());

    public static ApiError UnsupportedMediaType() =>
        new(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json", new StatusDetailsDto());

    public static ApiError InternalError(string message) =>
        new(500, "InternalError", "Internal error occurred: " + message, new StatusDetailsDto { Causes = [new StatusCauseDto { Message = message }] });

    /// <summary>An injected fault status; 429 mirrors API Priority and Fairness' rejection.</summary>
    public static ApiError ForStatus(int code, int? retryAfterSeconds) => code switch
    {
        429 => new ApiError(429, "TooManyRequests", "Too many requests, please try again later.", new StatusDetailsDto { RetryAfterSeconds = retryAfterSeconds }) { RetryAfterSeconds = retryAfterSeconds },
        500 => InternalError("injected fault") with { RetryAfterSeconds = retryAfterSeconds },
        503 => new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request") { RetryAfterSeconds = retryAfterSeconds },
        504 => new ApiError(504, "Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request") { RetryAfterSeconds = retryAfterSeconds },
        401 => Unauthorized(),
        404 => NotFoundResource(),
        _ => new ApiError(code, null, $"injected fault (HTTP {code})") { RetryAfterSeconds = retryAfterSeconds },
    };

    private static string Qualified(string resource, string? group) => string.IsNullOrEmpty(group) ? resource : resource + "." + group;

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
