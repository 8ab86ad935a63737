using System.Text;
using Verifier.Testing.Json.Models;

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
