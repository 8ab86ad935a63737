using Verifier;

namespace Verifier.Tests.AspNetCore;

internal static class TestIdentities
{
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>A pod-bound token's identity with every field set.</summary>
    public static ServiceAccountIdentity PodBound(string ns = "token-demo", string name = "token-client-test") => new(ns, name)
    {
        ServiceAccountUid = "8cfa5f15-0000-4000-8000-000000000001",
        PodName = "token-client-0",
        PodUid = "e47f05ef-0000-4000-8000-000000000002",
        NodeName = "kind-control-plane",
        NodeUid = "5e42c83f-0000-4000-8000-000000000003",
        TokenId = "0d211b4a-65c2-4812-b0b1-4e3cb6729dc3",
        Audiences = ["factors"],
        Issuer = Issuer,
        KeyId = "kid-1",
    };

    /// <summary>A token from TokenRequest without a bound object.</summary>
    public static ServiceAccountIdentity Unbound(string ns = "token-demo", string name = "token-client-test") => new(ns, name)
    {
        ServiceAccountUid = "8cfa5f15-0000-4000-8000-000000000001",
        Audiences = ["factors"],
        Issuer = Issuer,
    };

    public static TokenVerificationResult Success(ServiceAccountIdentity identity) => TokenVerificationResult.Success(identity);
}
