namespace Verifier.Testing.Server;

/// <summary>What the server says about itself: the release it reports, and the CA that token Secrets carry.</summary>
/// <param name="Version">Major, minor and patch of the Kubernetes release <c>/version</c> reports.</param>
/// <param name="CaCertificatePem">The cluster CA, as <c>ca.crt</c> of service-account-token Secrets.</param>
internal sealed record ServerIdentity(Version Version, string CaCertificatePem)
{
    /// <summary><c>v1.33.0-local</c>.</summary>
    public string GitVersion => $"v{Version.Major}.{Version.Minor}.{Math.Max(0, Version.Build)}-local";
}
