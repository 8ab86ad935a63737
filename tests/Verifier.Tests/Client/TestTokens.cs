using Verifier.Testing.Tokens;

namespace Verifier.Tests.Client;

/// <summary>JWT-shaped tokens with given iat/exp. Unsigned (the client never verifies its own token).</summary>
public static class TestTokens
{
    public static string Create(DateTimeOffset issuedAt, DateTimeOffset expiresAt, string subject = "system:serviceaccount:token-demo:token-client-test") =>
        JwtWriter.Encode("""{"alg":"RS256","kid":"k"}""") + "." +
        JwtWriter.Encode($$"""{"aud":["factors"],"exp":{{expiresAt.ToUnixTimeSeconds()}},"iat":{{issuedAt.ToUnixTimeSeconds()}},"sub":"{{subject}}"}""") +
        ".c2ln";
}
