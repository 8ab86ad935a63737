namespace Verifier.Hybrid;

internal enum BindingConfirmationKind
{
    /// <summary>The binding is live.</summary>
    Live,

    /// <summary>The API server declared the binding invalid; every token of it is rejected.</summary>
    Invalidated,

    /// <summary>The reviewed token was rejected for a reason of its own (expired at the API server's clock, audience, key): says nothing about the binding.</summary>
    TokenRejected,

    /// <summary>No answer from the API server.</summary>
    Unavailable,

    /// <summary>The API server refused our own request.</summary>
    Misconfigured,
}
