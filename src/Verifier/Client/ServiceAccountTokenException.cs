namespace Verifier.Client;

/// <summary>A token source could not provide a token that is still valid. The message says what to fix.</summary>
public sealed class ServiceAccountTokenException : Exception
{
    public ServiceAccountTokenException()
        : this(ServiceAccountTokenErrorKind.Unavailable, "No service-account token is available.")
    {
    }

    public ServiceAccountTokenException(string message)
        : this(ServiceAccountTokenErrorKind.Unavailable, message)
    {
    }

    public ServiceAccountTokenException(string message, Exception innerException)
        : this(ServiceAccountTokenErrorKind.Unavailable, message, null, innerException)
    {
    }

    public ServiceAccountTokenException(ServiceAccountTokenErrorKind kind, string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    public ServiceAccountTokenErrorKind Kind { get; }

    /// <summary>The API server's HTTP status for TokenRequest failures; null otherwise.</summary>
    public int? StatusCode { get; }
}
