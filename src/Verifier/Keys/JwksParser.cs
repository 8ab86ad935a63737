using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Verifier.Keys;

/// <summary>
/// Turns a JWKS document into verification keys, keeping only keys kube-apiserver could have published and we
/// can use: <c>use</c> sig or absent, RSA ≥ 2048 bits signing RS256, EC on P-256/384/521 with the matching ES alg.
/// Parsing goes through IdentityModel's <see cref="JsonWebKeySet"/>; validation and key construction are ours.
/// </summary>
internal static class JwksParser
{
    public const int MinimumRsaKeySizeBits = 2048;

    /// <exception cref="KeyFetchException">When the document is not a JWKS at all.</exception>
    public static (List<VerificationKey> Keys, List<SkippedKey> Skipped) Parse(string json)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            throw new KeyFetchException("The JWKS document is not valid JSON Web Key Set JSON: " + ex.Message, ex);
        }

        var keys = new List<VerificationKey>(set.Keys.Count);
        var skipped = new List<SkippedKey>();
        foreach (var jwk in set.Keys)
        {
            var kid = jwk.Kid ?? string.Empty;
            try
            {
                if (TryBuild(jwk, out var key, out var reason))
                {
                    keys.Add(key);
                }
                else
                {
                    skipped.Add(new SkippedKey(kid, reason));
                }
            }
            catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
            {
                skipped.Add(new SkippedKey(kid, "invalid key material: " + ex.Message));
            }
        }

        return (keys, skipped);
    }

    private static bool TryBuild(JsonWebKey jwk, out VerificationKey key, out string reason)
    {
        key = null!;
        var kid = jwk.Kid ?? string.Empty;
        if (!string.IsNullOrEmpty(jwk.Use) && !string.Equals(jwk.Use, "sig", StringComparison.Ordinal))
        {
            reason = $"use is '{jwk.Use}', not 'sig'";
            return false;
        }

        if (jwk.KeyOps.Count > 0 && !jwk.KeyOps.Contains("verify"))
        {
            reason = "key_ops does not include 'verify'";
            return false;
        }

        switch (jwk.Kty)
        {
            case JsonWebAlgorithmsKeyTypes.RSA:
                if (!string.IsNullOrEmpty(jwk.Alg) && !string.Equals(jwk.Alg, "RS256", StringComparison.Ordinal))
                {
                    // kube-apiserver signs RS256 with every RSA key (docs/kube-apiserver.md §2).
                    reason = $"alg '{jwk.Alg}' is not supported for RSA keys (RS256 only)";
                    return false;
                }

                if (string.IsNullOrEmpty(jwk.N) || string.IsNullOrEmpty(jwk.E))
                {
                    reason = "RSA key without n or e";
                    return false;
                }

                var rsa = RSA.Create();
                try
                {
                    rsa.ImportParameters(new RSAParameters
                    {
                        Modulus = Base64UrlEncoder.DecodeBytes(jwk.N).AsSpan().TrimStart((byte)0).ToArray(),
                        Exponent = Base64UrlEncoder.DecodeBytes(jwk.E),
                    });
                }
                catch
                {
                    rsa.Dispose();
                    throw;
                }

                return TryAccept(kid, rsa, out key, out reason);

            case JsonWebAlgorithmsKeyTypes.EllipticCurve:
                var (curve, expectedAlg, fieldBytes) = jwk.Crv switch
                {
                    "P-256" => (ECCurve.NamedCurves.nistP256, "ES256", 32),
                    "P-384" => (ECCurve.NamedCurves.nistP384, "ES384", 48),
                    "P-521" => (ECCurve.NamedCurves.nistP521, "ES512", 66),
                    _ => (default(ECCurve), string.Empty, 0),
                };
                if (fieldBytes == 0)
                {
                    reason = $"curve '{jwk.Crv}' is not supported (P-256, P-384, P-521)";
                    return false;
                }

                if (!string.IsNullOrEmpty(jwk.Alg) && !string.Equals(jwk.Alg, expectedAlg, StringComparison.Ordinal))
                {
                    reason = $"alg '{jwk.Alg}' does not match curve {jwk.Crv} ({expectedAlg})";
                    return false;
                }

                if (string.IsNullOrEmpty(jwk.X) || string.IsNullOrEmpty(jwk.Y))
                {
                    reason = "EC key without x or y";
                    return false;
                }

                var x = Base64UrlEncoder.DecodeBytes(jwk.X);
                var y = Base64UrlEncoder.DecodeBytes(jwk.Y);
                if (x.Length != fieldBytes || y.Length != fieldBytes)
                {
                    reason = $"EC coordinates are not {fieldBytes} bytes";
                    return false;
                }

                // ImportParameters checks that the point lies on the curve.
                var ecdsa = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
                key = VerificationKey.ForECDsa(kid, ecdsa);
                reason = string.Empty;
                return true;

            default:
                reason = $"key type '{jwk.Kty}' is not supported (RSA, EC)";
                return false;
        }
    }

    /// <summary>Applies the RSA size rule; takes ownership of <paramref name="rsa"/> either way.</summary>
    internal static bool TryAccept(string kid, RSA rsa, out VerificationKey key, out string reason)
    {
        if (rsa.KeySize < MinimumRsaKeySizeBits)
        {
            reason = $"RSA key of {rsa.KeySize} bits is below the minimum of {MinimumRsaKeySizeBits}";
            rsa.Dispose();
            key = null!;
            return false;
        }

        key = VerificationKey.ForRsa(kid, rsa);
        reason = string.Empty;
        return true;
    }
}
