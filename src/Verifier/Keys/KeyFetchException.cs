namespace Verifier.Keys;

/// <summary>A key source could not be read or returned an unusable document. The last good key set stays in use.</summary>
internal sealed class KeyFetchException : Exception
{
    public KeyFetchException()
    {
    }

    public KeyFetchException(string message)
        : base(message)
    {
    }

    public KeyFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
