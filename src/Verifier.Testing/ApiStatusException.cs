namespace Verifier.Testing;

/// <summary>A request that kube-apiserver would refuse, as thrown by the in-process methods (for example <see cref="LocalApiServer.IssueToken"/>).</summary>
public sealed class ApiStatusException : Exception
{
    public ApiStatusException()
    {
    }

    public ApiStatusException(string message)
        : base(message)
    {
    }

    public ApiStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal ApiStatusException(int statusCode, string reason, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>The HTTP status the API would answer (404, 400, 409, 422, …).</summary>
    public int StatusCode { get; }

    /// <summary>The Status reason (NotFound, BadRequest, Conflict, Invalid, …).</summary>
    public string Reason { get; } = "";
}
