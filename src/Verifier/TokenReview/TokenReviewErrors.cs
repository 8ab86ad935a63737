namespace Verifier.TokenReview;

/// <summary>Reads kube-apiserver's TokenReview <c>status.error</c> texts (docs/kube-apiserver.md §4, steps 6-9).</summary>
internal static class TokenReviewErrors
{
    /// <summary>
    /// True when the error says the token's binding is gone or was replaced, i.e. the verdict holds for every token of
    /// that binding, not just this one. Matched case-insensitively by substring, because the API server wraps the
    /// text (<c>[invalid bearer token, …]</c>) and older releases capitalise it:
    /// <list type="bullet">
    /// <item><c>service account token has been invalidated</c>: the bound pod, secret or node is missing, or its
    /// <c>deletionTimestamp</c> is more than 60 s past;</item>
    /// <item><c>… UID (X) does not match …</c>: service account, pod, secret or node recreated under the same name;</item>
    /// <item><c>service account NS/NAME has been deleted</c>;</item>
    /// <item><c>serviceaccounts "NAME" not found</c>: the service-account getter's error, passed through verbatim;</item>
    /// <item>legacy Secret tokens: <c>Token does not match server's copy</c> (the Secret now holds another token) and
    /// <c>… has been marked invalid …</c> (the <c>kubernetes.io/legacy-token-invalid-since</c> label).</item>
    /// </list>
    /// Everything else (expired, not yet valid, audience, signature, unknown issuer, bare <c>invalid bearer token</c>)
    /// is about the one token, and stays <see cref="VerificationFailureReason.NotAuthenticated"/>.
    /// </summary>
    public static bool IsBindingInvalidation(string? error)
    {
        if (string.IsNullOrEmpty(error))
        {
            return false;
        }

        const StringComparison IgnoreCase = StringComparison.OrdinalIgnoreCase;
        return error.Contains("has been invalidated", IgnoreCase)
            || error.Contains("has been deleted", IgnoreCase)
            || (error.Contains("UID (", IgnoreCase) && error.Contains("does not match", IgnoreCase))
            || (error.Contains("serviceaccounts \"", IgnoreCase) && error.Contains("not found", IgnoreCase))
            || error.Contains("does not match server's copy", IgnoreCase)
            || error.Contains("has been marked invalid", IgnoreCase);
    }
}
