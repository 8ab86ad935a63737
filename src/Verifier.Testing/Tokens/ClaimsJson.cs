using System.Globalization;
using System.Text;

namespace Verifier.Testing.Tokens;

/// <summary>
/// Token payloads byte for byte as kube-apiserver emits them: go-jose merges the claim structs through maps, so
/// keys come out in alphabetical order at every level; <c>aud</c> is an array; dates are integer seconds.
/// </summary>
internal static class ClaimsJson
{
    public const string LegacyIssuer = "kubernetes/serviceaccount";

    /// <summary>A name and optional uid (<c>ref</c> in claims.go; empty fields omitted).</summary>
    internal readonly record struct Ref(string Name, string? Uid);

    public static string Bound(
        string issuer,
        IReadOnlyList<string> audiences,
        DateTimeOffset now,
        long expirationSeconds,
        long warnAfterSeconds,
        string jti,
        string @namespace,
        Ref serviceAccount,
        Ref? pod,
        Ref? secret,
        Ref? node)
    {
        var iat = now.ToUnixTimeSeconds();
        var sb = new StringBuilder(640);
        sb.Append("{\"aud\":").AppendStringArray(audiences)
          .Append(",\"exp\":").Append((iat + expirationSeconds).ToString(CultureInfo.InvariantCulture))
          .Append(",\"iat\":").Append(iat.ToString(CultureInfo.InvariantCulture))
          .Append(",\"iss\":").AppendString(issuer)
          .Append(",\"jti\":").AppendString(jti)
          .Append(",\"kubernetes.io\":{\"namespace\":").AppendString(@namespace);
        if (node is { } n)
        {
            AppendRef(sb.Append(",\"node\":"), n);
        }

        if (pod is { } p)
        {
            AppendRef(sb.Append(",\"pod\":"), p);
        }

        if (secret is { } s)
        {
            AppendRef(sb.Append(",\"secret\":"), s);
        }

        AppendRef(sb.Append(",\"serviceaccount\":"), serviceAccount);
        if (warnAfterSeconds != 0)
        {
            sb.Append(",\"warnafter\":").Append((iat + warnAfterSeconds).ToString(CultureInfo.InvariantCulture));
        }

        sb.Append("},\"nbf\":").Append(iat.ToString(CultureInfo.InvariantCulture))
          .Append(",\"sub\":").AppendString(Username(@namespace, serviceAccount.Name))
          .Append('}');
        return sb.ToString();
    }

    /// <summary>legacy.go LegacyClaims plus the fixed issuer: no aud, exp, iat, nbf or jti.</summary>
    public static string Legacy(string @namespace, string secretName, string serviceAccountName, string serviceAccountUid) =>
        new StringBuilder(320)
            .Append("{\"iss\":").AppendString(LegacyIssuer)
            .Append(",\"kubernetes.io/serviceaccount/namespace\":").AppendString(@namespace)
            .Append(",\"kubernetes.io/serviceaccount/secret.name\":").AppendString(secretName)
            .Append(",\"kubernetes.io/serviceaccount/service-account.name\":").AppendString(serviceAccountName)
            .Append(",\"kubernetes.io/serviceaccount/service-account.uid\":").AppendString(serviceAccountUid)
            .Append(",\"sub\":").AppendString(Username(@namespace, serviceAccountName))
            .Append('}')
            .ToString();

    public static string Username(string @namespace, string name) => "system:serviceaccount:" + @namespace + ":" + name;

    private static void AppendRef(StringBuilder sb, Ref r)
    {
        sb.Append('{');
        var any = false;
        if (!string.IsNullOrEmpty(r.Name))
        {
            sb.Append("\"name\":").AppendString(r.Name);
            any = true;
        }

        if (!string.IsNullOrEmpty(r.Uid))
        {
            sb.Append(any ? "," : "").Append("\"uid\":").AppendString(r.Uid);
        }

        sb.Append('}');
    }
}
