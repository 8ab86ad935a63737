using System.Text;
using System.Text.Json.Nodes;

namespace Verifier.Tests.TestKit;

/// <summary>
/// Reads the parts of a compact JWS for assertions (no validation). Apart from <see cref="KubeTokens"/>: it takes apart
/// tokens that the code under test issued (LocalApiServer, kubectl), it does not make them.
/// </summary>
internal static class JwtParts
{
    public static string HeaderJson(string token) => Decode(token.Split('.')[0]);

    public static string PayloadJson(string token) => Decode(token.Split('.')[1]);

    public static JsonNode Payload(string token) => JsonNode.Parse(PayloadJson(token))!;

    /// <summary>The token with its payload replaced (signature kept), i.e. tampered.</summary>
    public static string WithPayload(string token, string payloadJson)
    {
        var parts = token.Split('.');
        return parts[0] + "." + Verifier.Testing.Tokens.JwtWriter.Encode(payloadJson) + "." + parts[2];
    }

    private static string Decode(string part)
    {
        var s = part.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return Encoding.UTF8.GetString(Convert.FromBase64String(s));
    }
}
