namespace Verifier.Testing.Server;

/// <summary>The errors of the list and watch protocol, with kube-apiserver's texts.</summary>
internal static class WatchErrors
{
    /// <summary>A watch from a compacted version: 410 Expired, sent as an ERROR event (HTTP 200).</summary>
    public static ApiError TooOldResourceVersion(long requested, long oldest) =>
        new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    /// <summary>An exact list at a compacted version.</summary>
    public static ApiError ExpiredList() => new(410, "Expired", "The resourceVersion for the provided list is too old.");

    /// <summary>A continue token whose version has been compacted.</summary>
    public static ApiError ExpiredContinue() => new(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");

    /// <summary>A list newer than the store: kube-apiserver waits up to 3 s for its cache, then answers 504 with this cause.</summary>
    public static ApiError TooLargeResourceVersion(long requested, long current) =>
        new(504, "Timeout", $"Too large resource version: {requested}, current: {current}", new StatusDetailsDto
        {
            Causes = [new StatusCauseDto { Reason = "ResourceVersionTooLarge", Message = "Too large resource version" }],
            RetryAfterSeconds = 1,
        })
        { RetryAfterSeconds = 1 };

    public static ApiError NotAcceptable() =>
        new(406, "NotAcceptable", "only the following media types are accepted: application/json, application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", new StatusDetailsDto());

    /// <summary>A metadata-only form that does not fit the request (an object form for a list, or the reverse).</summary>
    public static ApiError NotAcceptable(string message) => new(406, "NotAcceptable", message, new StatusDetailsDto());

    public static ApiError InvalidContinue(string reason) => ApiError.BadRequest("invalid continue token: " + reason);
}
