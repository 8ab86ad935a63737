using System.Security.Cryptography;

namespace Verifier.Keys;

/// <summary>
/// One public key of a key set, with its RSA/ECDsa instance built once when the set is loaded. Instances are
/// shared by all threads: verification on .NET's OpenSSL and CNG backends creates its per-call context, so
/// concurrent <c>VerifyData</c>/<c>VerifyHash</c> on one key is safe. Instances are never disposed: a reader may
/// still hold a replaced snapshot; the finalizer of the native handle frees it once nobody does.
/// </summary>
internal sealed class VerificationKey
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly int _fieldBytes;

    private VerificationKey(string keyId, JwsAlgorithm algorithm, RSA? rsa, ECDsa? ecdsa, int keySizeBits, byte[] subjectPublicKeyInfo)
    {
        KeyId = keyId;
        Algorithm = algorithm;
        _rsa = rsa;
        _ecdsa = ecdsa;
        KeySizeBits = keySizeBits;
        SubjectPublicKeyInfo = subjectPublicKeyInfo;
        _fieldBytes = (keySizeBits + 7) / 8;
    }

    /// <summary>The JWK <c>kid</c>; empty when the key has none.</summary>
    public string KeyId { get; }

    public JwsAlgorithm Algorithm { get; }

    public int KeySizeBits { get; }

    /// <summary>DER SubjectPublicKeyInfo: identifies the key material (two keys with one kid are still different keys).</summary>
    public byte[] SubjectPublicKeyInfo { get; }

    /// <summary>Takes ownership of <paramref name="rsa"/> (public part only is used).</summary>
    public static VerificationKey ForRsa(string keyId, RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        return new VerificationKey(keyId, JwsAlgorithm.RS256, rsa, null, rsa.KeySize, rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Takes ownership of <paramref name="ecdsa"/>.</summary>
    /// <exception cref="ArgumentException">For a curve other than P-256/384/521.</exception>
    public static VerificationKey ForECDsa(string keyId, ECDsa ecdsa)
    {
        ArgumentNullException.ThrowIfNull(ecdsa);
        var alg = AlgorithmForCurveSize(ecdsa.KeySize);
        if (alg == JwsAlgorithm.None)
        {
            throw new ArgumentException("unknown curve, must be P-256, P-384 or P-521", nameof(ecdsa));
        }

        return new VerificationKey(keyId, alg, null, ecdsa, ecdsa.KeySize, ecdsa.ExportSubjectPublicKeyInfo());
    }

    public static JwsAlgorithm AlgorithmForCurveSize(int bits) => bits switch
    {
        256 => JwsAlgorithm.ES256,
        384 => JwsAlgorithm.ES384,
        521 => JwsAlgorithm.ES512,
        _ => JwsAlgorithm.None,
    };

    /// <summary>Same kid, algorithm and public key: a refreshed set may reuse this instance (and its cached results).</summary>
    public bool IsSameKey(VerificationKey other) =>
        other is not null
        && string.Equals(KeyId, other.KeyId, StringComparison.Ordinal)
        && Algorithm == other.Algorithm
        && SubjectPublicKeyInfo.AsSpan().SequenceEqual(other.SubjectPublicKeyInfo);

    /// <summary>Verifies a JWS signature over the ASCII signing input. Never throws for bad input.</summary>
    public bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        if (_rsa is not null)
        {
            // PKCS#1 v1.5 signatures are exactly the modulus length.
            return signature.Length == _fieldBytes
                && _rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        return VerifyECDsa(signingInput, signature);
    }

    private bool VerifyECDsa(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        // JWS carries R||S (IEEE P1363), each exactly the field size (RFC 7518 §3.4).
        if (signature.Length != 2 * _fieldBytes)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[64];
        int hashLength = Algorithm switch
        {
            JwsAlgorithm.ES384 => SHA384.HashData(signingInput, hash),
            JwsAlgorithm.ES512 => SHA512.HashData(signingInput, hash),
            _ => SHA256.HashData(signingInput, hash),
        };

        // .NET's ECDSA verify on OpenSSL allocates ≈1.2-1.4 KB per call whichever overload is used (measured:
        // VerifyData 1416 B, VerifyHash with DER 1360 B, the two-argument VerifyHash, which takes IEEE P1363, 1216 B);
        // hashing into the stack and that VerifyHash is the cheapest of them.
        return _ecdsa!.VerifyHash(hash[..hashLength], signature);
    }

    public override string ToString() => $"{Algorithm} {KeySizeBits} bits, kid '{KeyId}'";
}
