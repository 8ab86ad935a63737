using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verifier.Keys;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.TestKit;

/// <summary>
/// The one token factory: Kubernetes-shaped tokens (docs/kube-apiserver.md §3) and key sets for the validation and
/// key tests, unsigned tokens for the client tests, and the shared signing keys. <see cref="Rsa"/> is also the key of
/// every LocalApiServer whose assertions do not depend on a fresh key: generating one per server dominates start-up
/// time on a busy machine. The keys live for the process and are never disposed.
/// </summary>
internal static class KubeTokens
{
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";
    public const string Audience = "https://verifier.example";
    public const string ServiceAccountUid = "8cfa5f15-8e1b-4a3c-9d5e-2f6a7b8c9d0e";
    public const string PodUid = "e47f05ef-1234-4c56-89ab-cdef01234567";
    public const string NodeUid = "5e42c83f-abcd-4ef0-9123-456789abcdef";
    public const string Jti = "0d211b4a-65c2-4812-b0b1-4e3cb6729dc3";

    /// <summary>ManualTimeProvider's default start.</summary>
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // RSA generation is slow: one set of keys for the whole run (they are never mutated).
    public static readonly SigningKey Rsa = SigningKey.CreateRsa();
    public static readonly SigningKey Rsa2 = SigningKey.CreateRsa();
    public static readonly SigningKey Ec256 = SigningKey.CreateEc(256);
    public static readonly SigningKey Ec384 = SigningKey.CreateEc(384);
    public static readonly SigningKey Ec521 = SigningKey.CreateEc(521);

    public static long NowSeconds => Now.ToUnixTimeSeconds();

    /// <summary>The claims of a pod-bound token as kube-apiserver issues them: alphabetical, aud an array, node and jti.</summary>
    public static JsonObject BoundClaims(long? issuedAt = null, long lifetimeSeconds = 3600, string[]? audiences = null, string ns = "default", string serviceAccount = "default", bool pod = true, string issuer = Issuer)
    {
        var iat = issuedAt ?? NowSeconds;
        var kubernetes = new JsonObject { ["namespace"] = ns };
        if (pod)
        {
            kubernetes["node"] = new JsonObject { ["name"] = "kind-control-plane", ["uid"] = NodeUid };
            kubernetes["pod"] = new JsonObject { ["name"] = "jwt-test", ["uid"] = PodUid };
        }

        kubernetes["serviceaccount"] = new JsonObject { ["name"] = serviceAccount, ["uid"] = ServiceAccountUid };
        return new JsonObject
        {
            ["aud"] = StringArray(audiences ?? [Audience]),
            ["exp"] = iat + lifetimeSeconds,
            ["iat"] = iat,
            ["iss"] = issuer,
            ["jti"] = Jti,
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = iat,
            ["sub"] = $"system:serviceaccount:{ns}:{serviceAccount}",
        };
    }

    /// <summary>A Secret-based legacy token's claims (docs/kube-apiserver.md §3.2).</summary>
    public static JsonObject LegacyClaims(string ns = "default", string serviceAccount = "vault-auth") => new()
    {
        ["iss"] = "kubernetes/serviceaccount",
        ["kubernetes.io/serviceaccount/namespace"] = ns,
        ["kubernetes.io/serviceaccount/secret.name"] = serviceAccount + "-token-t5pcn",
        ["kubernetes.io/serviceaccount/service-account.name"] = serviceAccount,
        ["kubernetes.io/serviceaccount/service-account.uid"] = ServiceAccountUid,
        ["sub"] = $"system:serviceaccount:{ns}:{serviceAccount}",
    };

    public static JsonArray StringArray(params string[] values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return array;
    }

    public static string Json(JsonNode node) => node.ToJsonString(Relaxed);

    public static string Sign(SigningKey key, JsonObject claims, string? headerJson = null) => JwtWriter.Sign(key, Json(claims), headerJson);

    public static string Sign(SigningKey key, string payloadJson, string? headerJson = null) => JwtWriter.Sign(key, payloadJson, headerJson);

    /// <summary>A fresh token for <paramref name="key"/> with kube's default header.</summary>
    public static string Token(SigningKey? key = null) => Sign(key ?? Rsa, BoundClaims());

    /// <summary>The public half of <paramref name="key"/> as a verification key (optionally under another kid).</summary>
    public static VerificationKey PublicKey(SigningKey key, string? keyId = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Key switch
        {
            RSA rsa => VerificationKey.ForRsa(keyId ?? key.KeyId, ImportRsa(rsa.ExportParameters(false))),
            ECDsa ec => VerificationKey.ForECDsa(keyId ?? key.KeyId, ECDsa.Create(ec.ExportParameters(false))),
            _ => throw new ArgumentException("Unsupported key.", nameof(key)),
        };
    }

    public static KeySetSnapshot Snapshot(params SigningKey[] keys) => Snapshot(Now, keys);

    public static KeySetSnapshot Snapshot(DateTimeOffset fetchedAt, params SigningKey[] keys)
    {
        var list = new List<VerificationKey>();
        foreach (var key in keys)
        {
            list.Add(PublicKey(key));
        }

        return new KeySetSnapshot(list, [Issuer], fetchedAt, "test");
    }

    /// <summary>A JWKS document as kube-apiserver serves it.</summary>
    public static string Jwks(params SigningKey[] keys) => "{\"keys\":[" + string.Join(",", keys.Select(k => k.ToJwkJson())) + "]}";

    private static RSA ImportRsa(RSAParameters parameters)
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(parameters);
        return rsa;
    }

    /// <summary>A JWT-shaped token with the given iat/exp, unsigned (a client never verifies its own token).</summary>
    public static string Unsigned(DateTimeOffset issuedAt, DateTimeOffset expiresAt, string subject = "system:serviceaccount:token-demo:token-client-test") =>
        JwtWriter.Encode("""{"alg":"RS256","kid":"k"}""") + "." +
        JwtWriter.Encode($$"""{"aud":["factors"],"exp":{{expiresAt.ToUnixTimeSeconds()}},"iat":{{issuedAt.ToUnixTimeSeconds()}},"sub":"{{subject}}"}""") +
        ".c2ln";
}
