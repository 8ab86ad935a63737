namespace Verifier.AspNetCore.Authorization;

/// <summary>Parses the service-account spellings the policies accept: <c>ns/name</c> or <c>system:serviceaccount:ns:name</c>.</summary>
internal static class ServiceAccountNames
{
    /// <summary>The TokenReview username of <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">When <paramref name="value"/> is neither spelling.</exception>
    public static string ToUsername(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (value.StartsWith(ServiceAccountIdentity.UsernamePrefix, StringComparison.Ordinal))
        {
            var rest = value.AsSpan(ServiceAccountIdentity.UsernamePrefix.Length);
            var colon = rest.IndexOf(':');
            if (colon > 0 && colon < rest.Length - 1 && rest[(colon + 1)..].IndexOf(':') < 0)
            {
                return value;
            }
        }
        else
        {
            var slash = value.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && slash < value.Length - 1 && value.IndexOf('/', slash + 1) < 0)
            {
                return ToUsername(value[..slash], value[(slash + 1)..]);
            }
        }

        throw new ArgumentException(
            $"'{value}' is not a service account: write it as 'namespace/name' (e.g. 'token-demo/token-client') or 'system:serviceaccount:namespace:name'.",
            nameof(value));
    }

    /// <exception cref="ArgumentException">When either part is empty or contains <c>:</c> or <c>/</c>.</exception>
    public static string ToUsername(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(@namespace);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (@namespace.AsSpan().IndexOfAny(':', '/') >= 0 || name.AsSpan().IndexOfAny(':', '/') >= 0)
        {
            throw new ArgumentException($"Namespace '{@namespace}' and name '{name}' may not contain ':' or '/'.", nameof(name));
        }

        return ServiceAccountIdentity.UsernamePrefix + @namespace.Trim() + ":" + name.Trim();
    }
}
