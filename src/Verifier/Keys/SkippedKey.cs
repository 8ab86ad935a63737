namespace Verifier.Keys;

/// <summary>A key that a fetched set contained but that cannot be used; logged, never fatal on its own.</summary>
/// <param name="KeyId">The key's <c>kid</c>, or empty.</param>
/// <param name="Reason">Why it was left out.</param>
internal readonly record struct SkippedKey(string KeyId, string Reason);
