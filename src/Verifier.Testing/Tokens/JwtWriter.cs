using System.Buffers.Text;
using System.Text;

namespace Verifier.Testing.Tokens;

/// <summary>Writes compact JWS tokens from raw header and payload JSON, byte for byte as given.</summary>
public static class JwtWriter
{
    /// <summary>
    /// kube-apiserver's header: <c>{"alg":"RS256","kid":"…"}</c>, no <c>typ</c>; an external signer's key
    /// (<see cref="SigningKey.TypedHeader"/>) adds <c>"typ":"JWT"</c>.
    /// </summary>
    public static string DefaultHeaderJson(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "{\"alg\":\"" + key.Algorithm + "\",\"kid\":\"" + key.KeyId + (key.TypedHeader ? "\",\"typ\":\"JWT\"}" : "\"}");
    }

    /// <summary>Signs <paramref name="payloadJson"/> under <paramref name="headerJson"/> (default: <see cref="DefaultHeaderJson"/>).</summary>
    public static string Sign(SigningKey key, string payloadJson, string? headerJson = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(headerJson ?? DefaultHeaderJson(key)))
            + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        var signature = key.Sign(Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Signs raw payload bytes (e.g. JSON with invalid UTF-8, which a string cannot carry).</summary>
    public static string Sign(SigningKey key, byte[] payload, string? headerJson = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(payload);
        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(headerJson ?? DefaultHeaderJson(key))) + "." + Base64Url.EncodeToString(payload);
        var signature = key.Sign(Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Signs <paramref name="signingInput"/> exactly as given (e.g. a non-canonical base64url text) and appends the signature.</summary>
    public static string SignRaw(SigningKey key, string signingInput)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(signingInput);
        return signingInput + "." + Base64Url.EncodeToString(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>Base64url without padding, as JWS requires.</summary>
    public static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
}
