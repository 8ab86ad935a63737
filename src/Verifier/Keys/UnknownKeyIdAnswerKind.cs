namespace Verifier.Keys;

/// <summary>What <see cref="KeyStore.ResolveUnknownKeyIdAsync"/> says about a kid the caller's key set lacks.</summary>
internal enum UnknownKeyIdAnswerKind
{
    /// <summary>A newer key set is current: validate the token against it.</summary>
    TryAgain,

    /// <summary>A key set fetched since the kid was first seen lacks it: the token names an unknown key (401).</summary>
    Unknown,

    /// <summary>No key set fetched since the kid was first seen has been loaded yet: transient (503), retry later.</summary>
    Unavailable,
}
