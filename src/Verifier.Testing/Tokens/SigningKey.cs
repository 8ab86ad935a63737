using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Verifier.Testing.Tokens;

/// <summary>
/// A private key that signs service-account tokens the way kube-apiserver does: RSA → RS256 only; ECDSA
/// P-256/384/521 → ES256/384/512; <c>kid</c> = base64url(SHA-256(DER SubjectPublicKeyInfo)) unless given.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private SigningKey(AsymmetricAlgorithm key, string algorithm, string? keyId, bool typedHeader = false)
    {
        TypedHeader = typedHeader;
        Key = key;
        Algorithm = algorithm;
        KeyId = keyId ?? DeriveKeyId(key);
    }

    /// <summary>The private key.</summary>
    public AsymmetricAlgorithm Key { get; }

    /// <summary>RS256, ES256, ES384 or ES512.</summary>
    public string Algorithm { get; }

    public string KeyId { get; }

    /// <summary>True for an external signer's key: its tokens' header carries <c>"typ":"JWT"</c> (docs/kube-apiserver.md §9.1).</summary>
    public bool TypedHeader { get; }

    /// <param name="bits">The modulus size.</param>
    /// <param name="keyId">Default: derived from the public key.</param>
    /// <param name="typedHeader">Sign with <c>"typ":"JWT"</c> in the header, as an external signer does.</param>
    public static SigningKey CreateRsa(int bits = 2048, string? keyId = null, bool typedHeader = false) => new(RSA.Create(bits), "RS256", keyId, typedHeader);

    /// <param name="bits">256, 384 or 521.</param>
    /// <param name="keyId">Default: derived from the public key.</param>
    /// <param name="typedHeader">Sign with <c>"typ":"JWT"</c> in the header, as an external signer does.</param>
    /// <exception cref="ArgumentOutOfRangeException">For any other curve size (kube-apiserver: "unknown private key curve").</exception>
    public static SigningKey CreateEc(int bits = 256, string? keyId = null, bool typedHeader = false)
    {
        var (curve, alg) = bits switch
        {
            256 => (ECCurve.NamedCurves.nistP256, "ES256"),
            384 => (ECCurve.NamedCurves.nistP384, "ES384"),
            521 => (ECCurve.NamedCurves.nistP521, "ES512"),
            _ => throw new ArgumentOutOfRangeException(nameof(bits), "unknown private key curve, must be 256, 384, or 521"),
        };
        return new SigningKey(ECDsa.Create(curve), alg, keyId, typedHeader);
    }

    /// <summary>Loads a PEM private key (PKCS#1, PKCS#8 or SEC1), RSA or ECDSA.</summary>
    public static SigningKey FromPem(string pem, string? keyId = null)
    {
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            var alg = ec.KeySize switch { 256 => "ES256", 384 => "ES384", 521 => "ES512", _ => throw new ArgumentException("unknown private key curve, must be 256, 384, or 521", nameof(pem)) };
            return new SigningKey(ec, alg, keyId);
        }
        catch (CryptographicException)
        {
            ec.Dispose();
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new SigningKey(rsa, "RS256", keyId);
    }

    /// <summary>kube-apiserver's <c>keyIDFromPublicKey</c>: base64url(SHA-256(DER SubjectPublicKeyInfo)), 43 characters.</summary>
    public static string DeriveKeyId(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var spki = key.ExportSubjectPublicKeyInfo();
        return Base64Url.EncodeToString(SHA256.HashData(spki));
    }

    /// <summary>Signs the JWS signing input (<c>base64url(header).base64url(payload)</c> as ASCII).</summary>
    public byte[] Sign(ReadOnlySpan<byte> signingInput) => Key switch
    {
        RSA rsa => rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => ec.SignData(signingInput, HashFor(Algorithm), DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        _ => throw new InvalidOperationException("Unsupported key type."),
    };

    private static HashAlgorithmName HashFor(string alg) => alg switch
    {
        "ES384" => HashAlgorithmName.SHA384,
        "ES512" => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };

    /// <summary>
    /// The public JWK in go-jose field order, compact: RSA <c>{"use":"sig","kty":"RSA","kid":…,"alg":"RS256","n":…,"e":…}</c>,
    /// EC <c>{"use":"sig","kty":"EC","kid":…,"crv":…,"alg":…,"x":…,"y":…}</c> (coordinates padded to the curve size).
    /// </summary>
    public string ToJwkJson()
    {
        var sb = new StringBuilder(512);
        switch (Key)
        {
            case RSA rsa:
                var p = rsa.ExportParameters(false);
                sb.Append("{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":\"").Append(KeyId)
                  .Append("\",\"alg\":\"RS256\",\"n\":\"").Append(Base64Url.EncodeToString(p.Modulus))
                  .Append("\",\"e\":\"").Append(Base64Url.EncodeToString(p.Exponent)).Append("\"}");
                break;
            case ECDsa ec:
                var q = ec.ExportParameters(false).Q;
                var crv = Algorithm switch { "ES384" => "P-384", "ES512" => "P-521", _ => "P-256" };
                sb.Append("{\"use\":\"sig\",\"kty\":\"EC\",\"kid\":\"").Append(KeyId)
                  .Append("\",\"crv\":\"").Append(crv).Append("\",\"alg\":\"").Append(Algorithm)
                  .Append("\",\"x\":\"").Append(Base64Url.EncodeToString(q.X)).Append("\",\"y\":\"")
                  .Append(Base64Url.EncodeToString(q.Y)).Append("\"}");
                break;
            default:
                throw new InvalidOperationException("Unsupported key type.");
        }

        return sb.ToString();
    }

    /// <summary>The public key as PEM (<c>-----BEGIN PUBLIC KEY-----</c>), as in <c>--service-account-key-file</c>.</summary>
    public string ToPublicPem() => Key.ExportSubjectPublicKeyInfoPem();

    public void Dispose() => Key.Dispose();
}
