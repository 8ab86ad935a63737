using System.Globalization;
using Verifier.Testing.Server;

namespace Verifier.Testing.Tokens;

/// <summary>
/// TokenRequest (<c>POST …/serviceaccounts/{name}/token</c>), following pkg/registry/core/serviceaccount/storage/token.go
/// step by step: body/URL match, SA lookup, defaults, static validation, bound object, clamp, extension, claims.
/// </summary>
internal sealed class TokenIssuer(ApiServerSettings settings, ObjectStore store, KeyRing keys)
{
    private const string Group = "authentication.k8s.io";

    public TokenIssueResult Issue(string @namespace, string name, TokenRequestDto? request, SigningKey? signWith = null)
    {
        request ??= new TokenRequestDto();
        var meta = request.Metadata ?? new ObjectMeta();
        var spec = request.Spec ?? new TokenRequestSpecDto();

        // Defaulting happens at decode time, before the storage code runs.
        var expirationSeconds = spec.ExpirationSeconds ?? 3600;

        if (!string.IsNullOrEmpty(meta.Name) && meta.Name != name)
        {
            return Fail(ApiError.Invalid("TokenRequest", Group, name, "metadata.name", GoJson.Quote(meta.Name), "must match the service account name if specified"));
        }

        if (!string.IsNullOrEmpty(meta.Namespace) && meta.Namespace != @namespace)
        {
            return Fail(ApiError.Invalid("TokenRequest", Group, name, "metadata.namespace", GoJson.Quote(meta.Namespace), "must match the service account namespace if specified"));
        }

        var sa = store.Get<ServiceAccountObject>("serviceaccounts", @namespace, name);
        if (sa is null)
        {
            return Fail(ApiError.NotFound("serviceaccounts", name));
        }

        var warnings = new List<string>();
        if (!string.IsNullOrEmpty(meta.Uid) && meta.Uid != sa.Uid)
        {
            warnings.Add($"the UID in the token request ({meta.Uid}) does not match the UID of the service account ({sa.Uid}) but TokenRequestServiceAccountUIDValidation is not enabled. In the future, this will return a conflict error");
        }

        var audiences = spec.Audiences is { Count: > 0 } requested ? requested : [.. settings.ApiAudiences];
        var now = settings.Time.GetUtcNow();

        if (expirationSeconds < 600)
        {
            return Fail(ApiError.Invalid("TokenRequest", Group, "", "spec.expirationSeconds", expirationSeconds.ToString(CultureInfo.InvariantCulture), "may not specify a duration less than 10 minutes"));
        }

        if (expirationSeconds > uint.MaxValue)
        {
            return Fail(ApiError.Invalid("TokenRequest", Group, "", "spec.expirationSeconds", expirationSeconds.ToString(CultureInfo.InvariantCulture), "may not specify a duration larger than 2^32 seconds"));
        }

        PodObject? pod = null;
        SecretObject? secret = null;
        ClaimsJson.Ref? node = null;
        var boundRef = spec.BoundObjectRef;
        if (boundRef is not null)
        {
            var (group, version) = ParseGroupVersion(boundRef.ApiVersion);
            var kind = boundRef.Kind ?? "";
            var refName = boundRef.Name ?? "";
            string uid;
            if (group.Length == 0 && kind == "Pod")
            {
                pod = store.Get<PodObject>("pods", @namespace, refName);
                if (pod is null)
                {
                    return Fail(ApiError.NotFound("pods", refName));
                }

                if (name != pod.ServiceAccountName)
                {
                    return Fail(ApiError.BadRequest($"cannot bind token for serviceaccount {GoJson.Quote(name)} to pod running with different serviceaccount name."));
                }

                uid = pod.Uid;
                if (!string.IsNullOrEmpty(pod.NodeName))
                {
                    // storage/token.go: a missing Node still yields the node name, without uid.
                    var nodeObject = store.Get<NodeObject>("nodes", null, pod.NodeName);
                    node = new ClaimsJson.Ref(pod.NodeName, nodeObject?.Uid);
                }
            }
            else if (group.Length == 0 && kind == "Node")
            {
                var nodeObject = store.Get<NodeObject>("nodes", null, refName);
                if (nodeObject is null)
                {
                    return Fail(ApiError.NotFound("nodes", refName));
                }

                node = new ClaimsJson.Ref(nodeObject.Name, nodeObject.Uid);
                uid = nodeObject.Uid;
            }
            else if (group.Length == 0 && kind == "Secret")
            {
                secret = store.Get<SecretObject>("secrets", @namespace, refName);
                if (secret is null)
                {
                    return Fail(ApiError.NotFound("secrets", refName));
                }

                uid = secret.Uid;
            }
            else
            {
                // schema.GroupVersionKind.String(): "group/version, Kind=kind".
                return Fail(ApiError.BadRequest($"cannot bind token to object of type {group}/{version}, Kind={kind}"));
            }

            if (!string.IsNullOrEmpty(boundRef.Uid) && boundRef.Uid != uid)
            {
                return Fail(ApiError.Conflict(kind, refName, $"the UID in the bound object reference ({boundRef.Uid}) does not match the UID in record. The object might have been deleted and then recreated"));
            }
        }

        if (settings.MaxExpirationSeconds > 0 && expirationSeconds > settings.MaxExpirationSeconds)
        {
            warnings.Add($"requested expiration of {expirationSeconds} seconds shortened to {settings.MaxExpirationSeconds} seconds");
            expirationSeconds = settings.MaxExpirationSeconds;
        }

        long warnAfter = 0;
        var exp = expirationSeconds;
        if (settings.ExtendExpiration && pod is not null && expirationSeconds == ApiServerSettings.WarnOnlyBoundTokenExpirationSeconds && IsSubset(audiences, settings.ApiAudiences))
        {
            warnAfter = exp;
            exp = ApiServerSettings.ExpirationExtensionSeconds;
        }

        var payload = ClaimsJson.Bound(
            settings.SigningIssuer,
            audiences,
            now,
            exp,
            warnAfter,
            Guid.NewGuid().ToString(),
            @namespace,
            new ClaimsJson.Ref(sa.Name, sa.Uid),
            pod is null ? null : new ClaimsJson.Ref(pod.Name, pod.Uid),
            secret is null ? null : new ClaimsJson.Ref(secret.Name, secret.Uid),
            node);
        var signingKey = signWith ?? keys.Current.SigningKey;
        var token = JwtWriter.Sign(signingKey, payload, settings.EmptyKeyId ? "{\"alg\":\"" + signingKey.Algorithm + "\",\"kid\":\"\"}" : null);

        var response = new TokenRequestDto
        {
            Kind = "TokenRequest",
            ApiVersion = Group + "/v1",
            Metadata = new ObjectMeta
            {
                Name = sa.Name,
                Namespace = sa.Namespace,
                Uid = string.IsNullOrEmpty(meta.Uid) ? sa.Uid : meta.Uid,
                CreationTimestamp = GoJson.Rfc3339(now),
            },
            Spec = new TokenRequestSpecDto
            {
                Audiences = [.. audiences],
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = boundRef,
            },
            Status = new TokenRequestStatusDto
            {
                Token = token,
                // Stays now + requested seconds even when the JWT exp was extended to a year.
                ExpirationTimestamp = GoJson.Rfc3339(now.AddSeconds(expirationSeconds)),
            },
        };
        return new TokenIssueResult(response, warnings, null);
    }

    private static TokenIssueResult Fail(ApiError error) => new(null, [], error);

    private static bool IsSubset(IReadOnlyList<string> audiences, IReadOnlyList<string> apiAudiences)
    {
        foreach (var a in audiences)
        {
            if (!apiAudiences.Contains(a))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>schema.FromAPIVersionAndKind: "" → (,), "v1" → (,v1), "g/v" → (g,v); unparsable → (,).</summary>
    private static (string Group, string Version) ParseGroupVersion(string? apiVersion)
    {
        var parts = (apiVersion ?? "").Split('/');
        return parts.Length switch
        {
            1 => ("", parts[0]),
            2 => (parts[0], parts[1]),
            _ => ("", ""),
        };
    }
}
