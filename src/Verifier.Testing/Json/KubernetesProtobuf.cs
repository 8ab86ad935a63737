using System.Text;

namespace Verifier.Testing.Json;

/// <summary>
/// Reads the protobuf bodies kubectl's typed clients send (<c>kubectl create token</c>, <c>create namespace</c>,
/// <c>create serviceaccount</c>): <c>application/vnd.kubernetes.protobuf</c>, the <c>k8s\0</c> magic, then a
/// runtime.Unknown envelope around the object. Field numbers from k8s.io/api generated.proto files. Only the
/// fields LocalApiServer uses are read; responses stay JSON, which these clients also accept.
/// </summary>
internal static class KubernetesProtobuf
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    /// <summary>A TokenRequest: metadata (1) and spec (2).</summary>
    public static bool TryDecodeTokenRequest(ReadOnlySpan<byte> body, out TokenRequestDto request)
    {
        request = new TokenRequestDto();
        if (!TryUnwrap(body, out var raw))
        {
            return false;
        }

        try
        {
            foreach (var (field, value, _) in Fields(raw))
            {
                switch (field)
                {
                    case 1: request.Metadata = ReadMeta(value); break;
                    case 2: request.Spec = ReadSpec(value); break;
                    default: break;
                }
            }

            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Any object's metadata (field 1 of every API object).</summary>
    public static bool TryDecodeMetadata(ReadOnlySpan<byte> body, out ObjectMeta metadata)
    {
        metadata = new ObjectMeta();
        if (!TryUnwrap(body, out var raw))
        {
            return false;
        }

        try
        {
            foreach (var (field, value, _) in Fields(raw))
            {
                if (field == 1)
                {
                    metadata = ReadMeta(value);
                }
            }

            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A Secret (<c>kubectl create secret</c>): metadata (1), data (2), type (3), stringData (4), immutable (5).</summary>
    public static bool TryDecodeSecret(ReadOnlySpan<byte> body, out SecretDto secret)
    {
        secret = new SecretDto();
        if (!TryUnwrap(body, out var raw))
        {
            return false;
        }

        try
        {
            foreach (var (field, value, varint) in Fields(raw))
            {
                switch (field)
                {
                    case 1: secret.Metadata = ReadMeta(value); break;
                    case 2:
                        var (key, bytes) = ReadEntry(value);
                        (secret.Data ??= new SortedDictionary<string, byte[]>(StringComparer.Ordinal))[key] = bytes;
                        break;
                    case 3: secret.Type = Str(value); break;
                    case 4: AddEntry(secret.StringData ??= [], value); break;
                    case 5: secret.Immutable = varint != 0; break;
                    default: break;
                }
            }

            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// A SubjectAccessReview or SelfSubjectAccessReview (<c>kubectl auth can-i</c>): spec (2) with resourceAttributes
    /// (1), nonResourceAttributes (2) and, for SubjectAccessReview, user (3), groups (4), uid (6).
    /// </summary>
    public static bool TryDecodeAccessReview(ReadOnlySpan<byte> body, out SubjectAccessReviewDto review)
    {
        review = new SubjectAccessReviewDto();
        if (!TryUnwrap(body, out var raw))
        {
            return false;
        }

        try
        {
            foreach (var (field, value, _) in Fields(raw))
            {
                if (field == 1)
                {
                    review.Metadata = ReadMeta(value);
                }
                else if (field == 2)
                {
                    review.Spec = ReadAccessSpec(value);
                }
            }

            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static SubjectAccessReviewSpecDto ReadAccessSpec(byte[] data)
    {
        var spec = new SubjectAccessReviewSpecDto();
        foreach (var (field, value, _) in Fields(data))
        {
            switch (field)
            {
                case 1:
                    var r = new ResourceAttributesDto();
                    foreach (var (f, v, _) in Fields(value))
                    {
                        switch (f)
                        {
                            case 1: r.Namespace = Str(v); break;
                            case 2: r.Verb = Str(v); break;
                            case 3: r.Group = Str(v); break;
                            case 4: r.Version = Str(v); break;
                            case 5: r.Resource = Str(v); break;
                            case 6: r.Subresource = Str(v); break;
                            case 7: r.Name = Str(v); break;
                            default: break;
                        }
                    }

                    spec.ResourceAttributes = r;
                    break;
                case 2:
                    var n = new NonResourceAttributesDto();
                    foreach (var (f, v, _) in Fields(value))
                    {
                        switch (f)
                        {
                            case 1: n.Path = Str(v); break;
                            case 2: n.Verb = Str(v); break;
                            default: break;
                        }
                    }

                    spec.NonResourceAttributes = n;
                    break;
                case 3: spec.User = Str(value); break;
                case 4: (spec.Groups ??= []).Add(Str(value) ?? ""); break;
                case 6: spec.Uid = Str(value); break;
                default: break;
            }
        }

        return spec;
    }

    /// <summary>A map entry: key (1), value (2).</summary>
    private static (string Key, byte[] Value) ReadEntry(byte[] data)
    {
        string key = "";
        byte[] entryValue = [];
        foreach (var (field, value, _) in Fields(data))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(value);
            }
            else if (field == 2)
            {
                entryValue = value;
            }
        }

        return (key, entryValue);
    }

    private static void AddEntry(Dictionary<string, string> map, byte[] data)
    {
        var (key, value) = ReadEntry(data);
        map[key] = Encoding.UTF8.GetString(value);
    }

    /// <summary>The magic plus runtime.Unknown (1 typeMeta, 2 raw, 3 contentEncoding, 4 contentType): the raw object bytes.</summary>
    private static bool TryUnwrap(ReadOnlySpan<byte> body, out byte[] raw)
    {
        raw = [];
        if (body.Length < 4 || !body[..4].SequenceEqual("k8s\0"u8))
        {
            return false;
        }

        try
        {
            var found = false;
            foreach (var (field, value, _) in Fields(body[4..].ToArray()))
            {
                if (field == 2)
                {
                    raw = value;
                    found = true;
                }
            }

            return found;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static ObjectMeta ReadMeta(byte[] data)
    {
        var meta = new ObjectMeta();
        foreach (var (field, value, _) in Fields(data))
        {
            switch (field)
            {
                case 1: meta.Name = Str(value); break;
                case 3: meta.Namespace = Str(value); break;
                case 5: meta.Uid = Str(value); break;
                case 11: AddEntry(meta.Labels ??= [], value); break;
                case 12: AddEntry(meta.Annotations ??= [], value); break;
                default: break;
            }
        }

        return meta;
    }

    private static TokenRequestSpecDto ReadSpec(byte[] data)
    {
        var spec = new TokenRequestSpecDto();
        foreach (var (field, value, varint) in Fields(data))
        {
            switch (field)
            {
                case 1: (spec.Audiences ??= []).Add(Str(value)!); break;
                case 3: spec.BoundObjectRef = ReadRef(value); break;
                case 4: spec.ExpirationSeconds = (long)varint; break;
                default: break;
            }
        }

        return spec;
    }

    private static BoundObjectReferenceDto ReadRef(byte[] data)
    {
        var r = new BoundObjectReferenceDto();
        foreach (var (field, value, _) in Fields(data))
        {
            switch (field)
            {
                case 1: r.Kind = Str(value); break;
                case 2: r.ApiVersion = Str(value); break;
                case 3: r.Name = Str(value); break;
                case 4: r.Uid = Str(value); break;
                default: break;
            }
        }

        return r;
    }

    /// <summary>Empty strings are absent, as proto2 optional strings that Go wrote as "".</summary>
    private static string? Str(byte[] value) => value.Length == 0 ? null : Encoding.UTF8.GetString(value);

    private static List<(int Field, byte[] Value, ulong Varint)> Fields(byte[] data)
    {
        var fields = new List<(int, byte[], ulong)>();
        var i = 0;
        while (i < data.Length)
        {
            var key = ReadVarint(data, ref i);
            var field = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    fields.Add((field, [], ReadVarint(data, ref i)));
                    break;
                case 2:
                    var length = (int)ReadVarint(data, ref i);
                    if (length < 0 || i + length > data.Length)
                    {
                        throw new FormatException("truncated protobuf field");
                    }

                    fields.Add((field, data[i..(i + length)], 0));
                    i += length;
                    break;
                case 1:
                    i += 8;
                    break;
                case 5:
                    i += 4;
                    break;
                default:
                    throw new FormatException("unsupported protobuf wire type");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] data, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (i >= data.Length)
            {
                throw new FormatException("truncated varint");
            }

            var b = data[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("varint too long");
    }
}
