using Verifier.Testing.Tokens;

namespace Verifier.Tests.Testing;

/// <summary>
/// One RSA-2048 key for the LocalApiServer tests whose assertions do not depend on a fresh key: generating one
/// per server dominates start-up time on a busy machine. The servers do not own it, so it is never disposed.
/// </summary>
internal static class SharedSigningKey
{
    public static SigningKey Rsa { get; } = SigningKey.CreateRsa();
}
