namespace Verifier.Testing.Server;

/// <summary>
/// kube-apiserver's output negotiation for JSON: the first media range of <c>Accept</c> the server can produce wins
/// (kubectl and client-go list their preferences in order, plain <c>application/json</c> last as the fallback);
/// protobuf and YAML ranges are skipped, as this server writes JSON only.
/// </summary>
internal static class MediaNegotiation
{
    /// <summary>
    /// The representation to serve and the media type to echo in <c>Content-Type</c>; null when no range is
    /// acceptable (406). <paramref name="tableAvailable"/>: whether a Table can be rendered for this request.
    /// </summary>
    public static (Representation Representation, string ContentType)? Negotiate(string? accept, bool tableAvailable)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return (Representation.Full, "application/json");
        }

        foreach (var range in accept.Split(','))
        {
            var parts = range.Split(';');
            var type = parts[0].Trim().ToLowerInvariant();
            if (type is not ("application/json" or "*/*" or "application/*"))
            {
                continue;
            }

            string? @as = null, group = null, version = null;
            foreach (var p in parts.AsSpan(1))
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    continue;
                }

                var (key, value) = (p[..eq].Trim(), p[(eq + 1)..].Trim());
                switch (key)
                {
                    case "as":
                        @as = value;
                        break;
                    case "g":
                        group = value;
                        break;
                    case "v":
                        version = value;
                        break;
                    default:
                        break;
                }
            }

            if (@as is null)
            {
                return (Representation.Full, "application/json");
            }

            if (group != "meta.k8s.io" || version is not ("v1" or "v1beta1"))
            {
                continue;
            }

            var echoed = "application/json;" + string.Join(';', parts.AsSpan(1).ToArray().Select(p => p.Trim()));
            switch (@as)
            {
                case "PartialObjectMetadata" when version == "v1":
                    return (Representation.PartialObjectMetadata, echoed);
                case "PartialObjectMetadataList" when version == "v1":
                    return (Representation.PartialObjectMetadataList, echoed);
                case "Table" when tableAvailable && version == "v1":
                    return (Representation.Table, echoed);
                default:
                    continue;
            }
        }

        return null;
    }
}
