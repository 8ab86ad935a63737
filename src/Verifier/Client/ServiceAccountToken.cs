namespace Verifier.Client;

/// <summary>A token and what the source knows about its life. <see cref="ToString"/> never shows the token.</summary>
public sealed class ServiceAccountToken
{
    public ServiceAccountToken(string value, DateTimeOffset? issuedAt, DateTimeOffset? expiresAt, DateTimeOffset obtainedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Value = value;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        ObtainedAt = obtainedAt;
    }

    /// <summary>The raw JWT. Never log it.</summary>
    public string Value { get; }

    /// <summary>The JWT's <c>iat</c> (projected file) or the start of the TokenRequest lifetime; null when unknown.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>
    /// The JWT's <c>exp</c> (projected file) or TokenRequest's <c>status.expirationTimestamp</c> (earlier than the JWT's
    /// <c>exp</c> for the kubelet's extended 3607 s tokens); null when unknown.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>When the source read or received it.</summary>
    public DateTimeOffset ObtainedAt { get; }

    /// <summary>Time since <see cref="IssuedAt"/> (or <see cref="ObtainedAt"/> when unknown) at <paramref name="now"/>.</summary>
    public TimeSpan GetAge(DateTimeOffset now) => now - (IssuedAt ?? ObtainedAt);

    /// <summary>True from <see cref="ExpiresAt"/> on; a token without a known expiry never counts as expired.</summary>
    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt is { } exp && now >= exp;

    public override string ToString() => $"token issued {IssuedAt:O}, expires {ExpiresAt:O}";
}
