using Verifier.Testing.Tokens;

namespace Verifier.Testing.Server;

/// <summary>Everything the HTTP handler and the in-process API of <see cref="LocalApiServer"/> share.</summary>
internal sealed record ServerState(
    ApiServerSettings Settings,
    ObjectStore Store,
    KeyRing Keys,
    TokenIssuer Issuer,
    TokenAuthenticator Authenticator,
    Authorizer Authorizer,
    ApiFaults Faults,
    ApiCounters Counters,
    bool IssuerDiscoveryEnabled,
    WatchHub Watches,

    PodLifecycle Pods,
    ServerIdentity Identity);
