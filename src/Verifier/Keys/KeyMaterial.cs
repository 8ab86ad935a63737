namespace Verifier.Keys;

/// <summary>What one fetch from a key source produced, before it becomes a <see cref="KeySetSnapshot"/>.</summary>
/// <param name="Issuer">The issuer from the discovery document; null when the source has none (static file) or discovery was skipped.</param>
/// <param name="Keys">The usable keys, in source order (possibly empty: the set is then rejected).</param>
/// <param name="Skipped">One line per key that was left out, with the reason, for the log.</param>
/// <param name="Origin">Where the keys came from, for logs.</param>
/// <param name="MaxAge">
/// The key set response's <c>Cache-Control: max-age</c>, when it had one. With an external signer kube-apiserver counts
/// it down to its next key sync (docs/kube-apiserver.md §9.1), so it says when a rotated key can first be seen.
/// </param>
internal sealed record KeyMaterial(string? Issuer, IReadOnlyList<VerificationKey> Keys, IReadOnlyList<SkippedKey> Skipped, string Origin, TimeSpan? MaxAge = null);
