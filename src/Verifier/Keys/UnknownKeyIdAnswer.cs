namespace Verifier.Keys;

/// <summary>The answer of <see cref="KeyStore.ResolveUnknownKeyIdAsync"/>.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Snapshot">With <see cref="UnknownKeyIdAnswerKind.TryAgain"/>: the key set to validate against.</param>
/// <param name="Detail">With <see cref="UnknownKeyIdAnswerKind.Unavailable"/>: why there is no verdict yet, for the result's message.</param>
internal readonly record struct UnknownKeyIdAnswer(UnknownKeyIdAnswerKind Kind, KeySetSnapshot? Snapshot, string? Detail)
{
    public static UnknownKeyIdAnswer Unknown => new(UnknownKeyIdAnswerKind.Unknown, null, null);

    public static UnknownKeyIdAnswer TryAgain(KeySetSnapshot snapshot) => new(UnknownKeyIdAnswerKind.TryAgain, snapshot, null);

    public static UnknownKeyIdAnswer Unavailable(string detail) => new(UnknownKeyIdAnswerKind.Unavailable, null, detail);
}
