using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using System.IdentityModel.Tokens.Jwt;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Verifier;
using Verifier.Testing.Tokens;

namespace Bench;

/// <summary>
/// One RS256-2048 and one ES256 Kubernetes-shaped token (≈1.2 KB): the raw signature verify over the same signed
/// bytes (baseline of its category), full local verification without the result cache, a cache hit, and
/// IdentityModel's JsonWebTokenHandler and the older JwtSecurityTokenHandler on the same token for comparison.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LocalVerificationBenchmarks
{
    private SigningKey _rsaKey = null!;
    private SigningKey _ecKey = null!;
    private string _rsaToken = null!;
    private string _ecToken = null!;
    private byte[] _rsaSigningInput = null!;
    private byte[] _rsaSignature = null!;
    private byte[] _ecSigningInput = null!;
    private byte[] _ecSignature = null!;
    private RSA _rsaPublic = null!;
    private ECDsa _ecPublic = null!;
    private IServiceAccountTokenVerifier _uncached = null!;
    private IServiceAccountTokenVerifier _cached = null!;
    private JsonWebTokenHandler _handler = null!;
    private JwtSecurityTokenHandler _legacyHandler = null!;
    private TokenValidationParameters _parameters = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rsaKey = SigningKey.CreateRsa(2048);
        _ecKey = SigningKey.CreateEc(256);
        _rsaToken = BenchTokens.Token(_rsaKey);
        _ecToken = BenchTokens.Token(_ecKey);
        (_rsaSigningInput, _rsaSignature) = Split(_rsaToken);
        (_ecSigningInput, _ecSignature) = Split(_ecToken);
        _rsaPublic = RSA.Create(((RSA)_rsaKey.Key).ExportParameters(false));
        _ecPublic = ECDsa.Create(((ECDsa)_ecKey.Key).ExportParameters(false));
        _uncached = BenchTokens.CreateVerifier(cache: false, _rsaKey, _ecKey);
        _cached = BenchTokens.CreateVerifier(cache: true, _rsaKey, _ecKey);
        _handler = new JsonWebTokenHandler();
        _legacyHandler = new JwtSecurityTokenHandler { MapInboundClaims = false };
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = BenchTokens.Issuer,
            ValidAudience = BenchTokens.Audience,
            IssuerSigningKey = new RsaSecurityKey(_rsaPublic) { KeyId = _rsaKey.KeyId },
            ClockSkew = TimeSpan.FromSeconds(60),
        };

        // Fail fast if a path does not verify.
        foreach (var ok in new[] { RawRsaVerify(), RawEcdsaVerify(), Rs256Uncached().Succeeded, Rs256Cached().Succeeded, Es256Uncached().Succeeded, Es256Cached().Succeeded, JsonWebTokenHandlerRs256(), JwtSecurityTokenHandlerRs256() })
        {
            if (!ok)
            {
                throw new InvalidOperationException("A benchmark path failed to verify its token.");
            }
        }

        Console.WriteLine($"// RS256 token {_rsaToken.Length} bytes, ES256 token {_ecToken.Length} bytes");
    }

    [BenchmarkCategory("RS256"), Benchmark(Baseline = true, Description = "raw RSA.VerifyData")]
    public bool RawRsaVerify() => _rsaPublic.VerifyData(_rsaSigningInput, _rsaSignature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [BenchmarkCategory("RS256"), Benchmark(Description = "verify, no cache")]
    public TokenVerificationResult Rs256Uncached() => Sync(_uncached.VerifyAsync(_rsaToken));

    [BenchmarkCategory("RS256"), Benchmark(Description = "verify, cache hit")]
    public TokenVerificationResult Rs256Cached() => Sync(_cached.VerifyAsync(_rsaToken));

    [BenchmarkCategory("RS256"), Benchmark(Description = "JsonWebTokenHandler")]
    public bool JsonWebTokenHandlerRs256() => _handler.ValidateTokenAsync(_rsaToken, _parameters).GetAwaiter().GetResult().IsValid;

    [BenchmarkCategory("RS256"), Benchmark(Description = "JwtSecurityTokenHandler")]
    public bool JwtSecurityTokenHandlerRs256()
    {
        _legacyHandler.ValidateToken(_rsaToken, _parameters, out var validated);
        return validated is not null;
    }

    [BenchmarkCategory("ES256"), Benchmark(Baseline = true, Description = "raw ECDsa.VerifyData")]
    public bool RawEcdsaVerify() => _ecPublic.VerifyData(_ecSigningInput, _ecSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [BenchmarkCategory("ES256"), Benchmark(Description = "verify, no cache")]
    public TokenVerificationResult Es256Uncached() => Sync(_uncached.VerifyAsync(_ecToken));

    [BenchmarkCategory("ES256"), Benchmark(Description = "verify, cache hit")]
    public TokenVerificationResult Es256Cached() => Sync(_cached.VerifyAsync(_ecToken));

    private static TokenVerificationResult Sync(ValueTask<TokenVerificationResult> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static (byte[] SigningInput, byte[] Signature) Split(string token)
    {
        var lastDot = token.LastIndexOf('.');
        return (Encoding.ASCII.GetBytes(token[..lastDot]), System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(lastDot + 1)));
    }
}
