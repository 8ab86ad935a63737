namespace Bench.E2e;

/// <summary>
/// What <c>e2e-apiserver</c> leaves in its directory for the servers and the driver: plain files, so the shell script
/// can read them too. <see cref="Ready"/> is written last.
/// </summary>
internal sealed class E2eFiles(string directory)
{
    public const string Audience = "factors";

    public string Directory => directory;

    /// <summary>The API server's base URL (https://127.0.0.1:PORT/).</summary>
    public string Url => Path.Combine(directory, "url");

    /// <summary>The service-account issuer the API server signs with.</summary>
    public string Issuer => Path.Combine(directory, "issuer");

    public string CaCertificate => Path.Combine(directory, "ca.crt");

    /// <summary>The servers' own bearer token (a service account bound to system:auth-delegator).</summary>
    public string ReviewerToken => Path.Combine(directory, "reviewer-token");

    /// <summary>Many distinct valid tokens, one a line.</summary>
    public string ManyTokens => Path.Combine(directory, "tokens-many.txt");

    /// <summary>One valid token.</summary>
    public string OneToken => Path.Combine(directory, "tokens-one.txt");

    public string Ready => Path.Combine(directory, "ready");
}
