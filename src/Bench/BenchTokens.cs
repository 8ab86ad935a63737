using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Verifier;
using Verifier.Diagnostics;
using Verifier.Keys;
using Verifier.Testing.Tokens;
using Verifier.Validation;

namespace Bench;

/// <summary>Kubernetes-shaped tokens (docs/kube-apiserver.md §3.1) and verifiers over a fixed key set, for the benchmarks.</summary>
internal static class BenchTokens
{
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";
    public const string Audience = "https://factors.example";

    /// <summary>A pod-bound token as kube-apiserver issues it: alphabetical claims, aud an array, node, pod, jti, warnafter.</summary>
    public static string Token(SigningKey key)
    {
        var iat = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload =
            "{\"aud\":[\"" + Audience + "\",\"https://kubernetes.default.svc.cluster.local\"],\"exp\":" + (iat + 31536000) + ",\"iat\":" + iat +
            ",\"iss\":\"" + Issuer + "\",\"jti\":\"0d211b4a-65c2-4812-b0b1-4e3cb6729dc3\",\"kubernetes.io\":{\"namespace\":\"factors\"," +
            "\"node\":{\"name\":\"kind-worker-2\",\"uid\":\"5e42c83f-9c1d-4a8e-b6f2-3d7e8a9b0c1d\"}," +
            "\"pod\":{\"name\":\"token-server-7d9f8b6c5d-x2k4p\",\"uid\":\"e47f05ef-2b3c-4d5e-8f9a-0b1c2d3e4f5a\"}," +
            "\"serviceaccount\":{\"name\":\"token-client\",\"uid\":\"8cfa5f15-6a7b-4c8d-9e0f-1a2b3c4d5e6f\"},\"warnafter\":" + (iat + 3607) + "}," +
            "\"nbf\":" + iat + ",\"sub\":\"system:serviceaccount:factors:token-client\"}";
        return JwtWriter.Sign(key, payload);
    }

    /// <summary>A Local-mode verifier whose key set holds <paramref name="keys"/> (loaded before returning).</summary>
    public static IServiceAccountTokenVerifier CreateVerifier(bool cache, params SigningKey[] keys)
    {
        var options = Options.Create(new KubernetesTokenVerifierOptions
        {
            Audiences = [Audience],
            Issuers = [Issuer],
            Mode = VerificationMode.Local,
            Cache = { Enabled = cache },
        });
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new VerifierMetrics(services.GetRequiredService<IMeterFactory>(), TimeProvider.System);
        var store = new KeyStore(new FixedKeySource(keys), options, TimeProvider.System, metrics, NullLogger<KeyStore>.Instance);
        if (!store.RefreshAsync(KeyRefreshTrigger.Startup).GetAwaiter().GetResult())
        {
            throw new InvalidOperationException("keys did not load");
        }

        var hasher = new TokenHasher(options);
        var local = new LocalVerification(store, hasher, options, TimeProvider.System, metrics);
        return new TokenVerifier(local, VerificationMode.Local, options.Value.Validation, hasher, TimeProvider.System, metrics, NullLogger<TokenVerifier>.Instance);
    }

    private sealed class FixedKeySource(SigningKey[] keys) : IKeySource
    {
        public string Description => "bench";

        public Task<KeyMaterial> FetchAsync(CancellationToken cancellationToken)
        {
            var json = "{\"keys\":[" + string.Join(",", keys.Select(k => k.ToJwkJson())) + "]}";
            var (parsed, skipped) = JwksParser.Parse(json);
            return Task.FromResult(new KeyMaterial(null, parsed, skipped, "bench"));
        }

        public IDisposable? Watch(Action onChange) => null;
    }
}
