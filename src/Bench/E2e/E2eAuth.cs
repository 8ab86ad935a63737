namespace Bench.E2e;

/// <summary>The authentication builds of the end-to-end server (issue 16), one per <c>--auth</c> value.</summary>
internal enum E2eAuth
{
    /// <summary>(a) No authentication: the ceiling.</summary>
    None,

    /// <summary>(b) The project's scheme, Local mode.</summary>
    Local,

    /// <summary>(c) The project's scheme, Hybrid mode.</summary>
    Hybrid,

    /// <summary>(d) Microsoft.AspNetCore.Authentication.JwtBearer against the API server's OIDC discovery.</summary>
    JwtBearer,

    /// <summary>(e) A hand-written TokenReview per request.</summary>
    HandwrittenTokenReview,

    /// <summary>(e') The project's scheme, TokenReview mode.</summary>
    TokenReview,
}
