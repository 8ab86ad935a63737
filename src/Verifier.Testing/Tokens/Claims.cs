using System.Text.Json;

namespace Verifier.Testing.Tokens;

/// <summary>The verified payload as jwt.Claims plus the bound (<c>kubernetes.io</c>) or legacy private claims.</summary>
internal sealed class Claims
{
    internal readonly record struct Ref(string? Name, string? Uid);

    public string? Issuer { get; private set; }

    public string? Subject { get; private set; }

    public List<string> Audiences { get; } = [];

    public long? Expiry { get; private set; }

    public long? NotBefore { get; private set; }

    public long? IssuedAt { get; private set; }

    public string? Id { get; private set; }

    public string? Namespace { get; private set; }

    public Ref ServiceAccount { get; private set; }

    public Ref? Pod { get; private set; }

    public Ref? Secret { get; private set; }

    public Ref? Node { get; private set; }

    public string? LegacyNamespace { get; private set; }

    public string? LegacySecretName { get; private set; }

    public string? LegacyServiceAccountName { get; private set; }

    public string? LegacyServiceAccountUid { get; private set; }

    /// <exception cref="JsonException">When a claim has the wrong JSON type (Go's unmarshal error).</exception>
    public static Claims Parse(byte[] payload, bool legacy)
    {
        using var doc = JsonDocument.Parse(payload);
        var c = new Claims();
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("claims are not a JSON object");
        }

        // go-jose's JSON refuses a repeated member in every object it decodes into a struct: the claims object, and
        // for the bound validator kubernetes.io and its references. It never looks inside members it skips.
        ThrowOnDuplicates(doc.RootElement, 0);
        if (!legacy && doc.RootElement.EnumerateObject().LastOrDefault(p => p.Name == "kubernetes.io") is { Value.ValueKind: JsonValueKind.Object } kubernetes)
        {
            ThrowOnDuplicates(kubernetes.Value, 0);
            foreach (var member in kubernetes.Value.EnumerateObject())
            {
                if (member.Name is "serviceaccount" or "pod" or "secret" or "node" && member.Value.ValueKind == JsonValueKind.Object)
                {
                    ThrowOnDuplicates(member.Value, 0);
                }
            }
        }

        foreach (var p in doc.RootElement.EnumerateObject())
        {
            switch (p.Name)
            {
                case "iss": c.Issuer = Str(p.Value); break;
                case "sub": c.Subject = Str(p.Value); break;
                case "jti": c.Id = Str(p.Value); break;
                case "exp": c.Expiry = Date(p.Value); break;
                case "nbf": c.NotBefore = Date(p.Value); break;
                case "iat": c.IssuedAt = Date(p.Value); break;
                case "aud":
                    c.Audiences.Clear();
                    if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        c.Audiences.Add(p.Value.GetString()!);
                    }
                    else if (p.Value.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var a in p.Value.EnumerateArray())
                        {
                            c.Audiences.Add(Str(a) ?? throw new JsonException("aud entry is not a string"));
                        }
                    }
                    else if (p.Value.ValueKind != JsonValueKind.Null)
                    {
                        throw new JsonException("aud is neither a string nor an array");
                    }

                    break;
                case "kubernetes.io" when !legacy: c.ReadKubernetes(p.Value); break;
                case "kubernetes.io/serviceaccount/namespace" when legacy: c.LegacyNamespace = Str(p.Value); break;
                case "kubernetes.io/serviceaccount/secret.name" when legacy: c.LegacySecretName = Str(p.Value); break;
                case "kubernetes.io/serviceaccount/service-account.name" when legacy: c.LegacyServiceAccountName = Str(p.Value); break;
                case "kubernetes.io/serviceaccount/service-account.uid" when legacy: c.LegacyServiceAccountUid = Str(p.Value); break;
                default: break;
            }
        }

        return c;
    }

    /// <summary>Whether <paramref name="e"/> (and objects inside it, down to <paramref name="depth"/> more levels) repeats a member name.</summary>
    internal static bool HasDuplicateMembers(JsonElement e, int depth)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in e.EnumerateObject())
                {
                    if (!names.Add(p.Name) || (depth > 0 && HasDuplicateMembers(p.Value, depth - 1)))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                return depth > 0 && e.EnumerateArray().Any(item => HasDuplicateMembers(item, depth - 1));
            default:
                return false;
        }
    }

    private static void ThrowOnDuplicates(JsonElement e, int depth)
    {
        if (HasDuplicateMembers(e, depth))
        {
            throw new JsonException("json: duplicate key in object");
        }
    }

    private void ReadKubernetes(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("kubernetes.io is not an object");
        }

        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "namespace": Namespace = Str(p.Value); break;
                case "serviceaccount": ServiceAccount = ReadRef(p.Value) ?? default; break;
                case "pod": Pod = ReadRef(p.Value); break;
                case "secret": Secret = ReadRef(p.Value); break;
                case "node": Node = ReadRef(p.Value); break;
                case "warnafter": _ = Date(p.Value); break;
                default: break;
            }
        }
    }

    private static Ref? ReadRef(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("reference is not an object");
        }

        string? name = null, uid = null;
        foreach (var p in e.EnumerateObject())
        {
            if (p.Name == "name")
            {
                name = Str(p.Value);
            }
            else if (p.Name == "uid")
            {
                uid = Str(p.Value);
            }
        }

        return new Ref(name, uid);
    }

    private static string? Str(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Null => null,
        _ => throw new JsonException($"expected a string, got {e.ValueKind}"),
    };

    /// <summary>go-jose NumericDate: a JSON number, fractions truncated.</summary>
    private static long? Date(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : (long)Math.Truncate(e.GetDouble()),
        JsonValueKind.Null => null,
        _ => throw new JsonException($"expected a number, got {e.ValueKind}"),
    };
}
