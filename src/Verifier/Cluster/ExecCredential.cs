using System.Security.Cryptography.X509Certificates;

namespace Verifier.Cluster;

/// <summary>One answer of an exec credential plugin: a bearer token, a client certificate, or both.</summary>
/// <param name="Token"><c>status.token</c>. Never logged.</param>
/// <param name="ClientCertificate"><c>status.clientCertificateData</c> with <c>clientKeyData</c>.</param>
/// <param name="ExpiresAt"><c>status.expirationTimestamp</c>; null: valid until the API server answers 401.</param>
/// <param name="RefreshAt">When the plugin runs again (shortly before <paramref name="ExpiresAt"/>); null: never on its own.</param>
internal sealed record ExecCredential(string? Token, X509Certificate2? ClientCertificate, DateTimeOffset? ExpiresAt, DateTimeOffset? RefreshAt)
{
    public string Kind => Token is not null && ClientCertificate is not null ? "token and client certificate"
        : Token is not null ? "token"
        : "client certificate";

    // The generated record ToString would print the token.
    public override string ToString() => $"exec credential ({Kind}, expires {ExpiresAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "never"})";
}
