using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Verifier.Testing.Tokens;

namespace Verifier.Testing.Server;

/// <summary>
/// The whole request pipeline, in kube-apiserver's order: (injected faults) → authentication (401) →
/// authorization (403, before routing, so an unauthorized caller never learns whether a path exists) → routing.
/// </summary>
internal sealed partial class ApiRequestHandler(ServerState state)
{
    /// <summary>Counted when a latency fault outlasts the client (it hung up before an answer).</summary>
    public const int ClientClosedRequest = 499;

    private const string JsonContentType = "application/json";
    private const string CountedKey = "LocalApiServer.Counted";
    private const string UserKey = "LocalApiServer.User";
    private const string TallyKey = "LocalApiServer.Tally";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        var watch = request.Query.TryGetValue("watch", out var w) && (w == "true" || w == "1");
        var endpoint = Classify(request.Method, path, watch);
        context.Items[TallyKey] = (state.Counters, endpoint);
        state.Counters.RecordBytes(endpoint, request.ContentLength ?? 0, 0);
        response.OnStarting(static s =>
        {
            var (counters, e, ctx) = ((ApiCounters, ApiEndpoint, HttpContext))s;
            if (!ctx.Items.ContainsKey(CountedKey))
            {
                counters.Record(e, ctx.Response.StatusCode);
            }

            return Task.CompletedTask;
        }, (state.Counters, endpoint, context));

        var fault = state.Faults.Take(endpoint);
        if (fault is not null)
        {
            if (fault.Latency != TimeSpan.Zero)
            {
                try
                {
                    // Wall-clock on purpose: latency is network time, not the emulated cluster's clock.
                    await Task.Delay(fault.Latency, TimeProvider.System, context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    context.Items[CountedKey] = true;
                    state.Counters.Record(endpoint, ClientClosedRequest);
                    context.Abort();
                    return;
                }
            }

            if (fault.DropConnection)
            {
                context.Items[CountedKey] = true;
                state.Counters.Record(endpoint, ApiCounters.DroppedConnection);
                context.Abort();
                return;
            }

            if (fault.StallStream && endpoint == ApiEndpoint.Watch)
            {
                await StallAsync(context).ConfigureAwait(false);
                return;
            }

            if (fault.StatusCode is { } code)
            {
                var retryAfter = fault.RetryAfter is { } r ? (int)Math.Ceiling(r.TotalSeconds) : (int?)null;
                await WriteErrorAsync(context, ApiError.ForStatus(code, retryAfter)).ConfigureAwait(false);
                return;
            }
        }

        response.Headers["Audit-Id"] = Guid.NewGuid().ToString();
        response.Headers.CacheControl = "no-cache, private";

        var user = Authenticate(request);
        if (user is null)
        {
            await WriteErrorAsync(context, ApiError.Unauthorized()).ConfigureAwait(false);
            return;
        }

        var info = RequestInfo.Parse(path, request.Method, watch);

        // The impersonation filter runs after authentication and before authorization.
        var (impersonated, impersonationError) = Impersonate(request, user);
        if (impersonationError is not null)
        {
            await WriteErrorAsync(context, impersonationError).ConfigureAwait(false);
            return;
        }

        user = impersonated!;
        context.Items[UserKey] = user;
        if (!state.Authorizer.Allows(user, info))
        {
            var reason = State.Authorizer.ForbiddenReason(user, info);
            var error = info.IsResourceRequest
                ? ApiError.Forbidden(info.Resource, info.ApiGroup, info.Name, reason)
                : ApiError.Forbidden(null, null, null, reason);
            await WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }

        if (info.IsResourceRequest)
        {
            await HandleResourceAsync(context, info).ConfigureAwait(false);
        }
        else
        {
            await HandleNonResourceAsync(context, path, fault?.Body).ConfigureAwait(false);
        }
    }

    private static ApiEndpoint Classify(string method, string path, bool watch)
    {
        switch (path)
        {
            case "/.well-known/openid-configuration" or "/.well-known/openid-configuration/":
                return ApiEndpoint.OidcDiscovery;
            case "/openid/v1/jwks" or "/openid/v1/jwks/":
                return ApiEndpoint.Jwks;
            case "/apis/authentication.k8s.io/v1/tokenreviews" when method == "POST":
                return ApiEndpoint.TokenReview;
            default:
                break;
        }

        if (method == "POST" && path.StartsWith("/api/v1/namespaces/", StringComparison.Ordinal) && path.EndsWith("/token", StringComparison.Ordinal))
        {
            var parts = path.Split('/');
            if (parts.Length == 8 && parts[5] == "serviceaccounts")
            {
                return ApiEndpoint.TokenRequest;
            }
        }

        if (method == "GET")
        {
            var info = RequestInfo.Parse(path, method, watch);
            if (info.IsResourceRequest)
            {
                switch (info.Verb)
                {
                    case "list":
                        return ApiEndpoint.List;
                    case "watch":
                        return ApiEndpoint.Watch;
                    default:
                        break;
                }
            }
        }

        return ApiEndpoint.Other;
    }

    /// <summary>The bearer-token authenticator: no credentials → anonymous; a token nobody accepts → null (401).</summary>
    private AuthenticatedUser? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString().Trim();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !header[..space].Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticatedUser.Anonymous;
        }

        var token = header[(space + 1)..].Trim();
        if (token.Length == 0)
        {
            return AuthenticatedUser.Anonymous;
        }

        // The authentication filter puts the API audiences on the request context.
        var outcome = state.Authenticator.Authenticate(token, null);
        return outcome.Authenticated ? outcome.User : null;
    }

    private async Task HandleNonResourceAsync(HttpContext context, string path, string? faultBody)
    {
        if (context.Request.Method is not ("GET" or "HEAD"))
        {
            await WriteTextAsync(context, 405, "Method Not Allowed").ConfigureAwait(false);
            return;
        }

        switch (path)
        {
            case "/.well-known/openid-configuration" or "/.well-known/openid-configuration/" when state.IssuerDiscoveryEnabled:
                await WriteKeyDocumentAsync(context, JsonContentType, state.Keys.Current, k => k.Discovery, faultBody).ConfigureAwait(false);
                return;
            case "/openid/v1/jwks" or "/openid/v1/jwks/" when state.IssuerDiscoveryEnabled:
                await WriteKeyDocumentAsync(context, "application/jwk-set+json", state.Keys.Current, k => k.Jwks, faultBody).ConfigureAwait(false);
                return;
            case "/api" or "/api/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.Api).ConfigureAwait(false);
                return;
            case "/api/v1" or "/api/v1/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.CoreV1).ConfigureAwait(false);
                return;
            case "/apis" or "/apis/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.Apis).ConfigureAwait(false);
                return;
            case "/apis/authentication.k8s.io" or "/apis/authentication.k8s.io/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.AuthenticationGroup).ConfigureAwait(false);
                return;
            case "/apis/authentication.k8s.io/v1" or "/apis/authentication.k8s.io/v1/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.AuthenticationV1).ConfigureAwait(false);
                return;
            case "/apis/authorization.k8s.io" or "/apis/authorization.k8s.io/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.AuthorizationGroup).ConfigureAwait(false);
                return;
            case "/apis/authorization.k8s.io/v1" or "/apis/authorization.k8s.io/v1/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.AuthorizationV1).ConfigureAwait(false);
                return;
            case "/openapi/v3/apis/authorization.k8s.io/v1":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.OpenApiV3AuthorizationV1).ConfigureAwait(false);
                return;
            case "/version" or "/version/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.Version(state.Identity)).ConfigureAwait(false);
                return;
            case "/openapi/v3" or "/openapi/v3/":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.OpenApiV3Root).ConfigureAwait(false);
                return;
            case "/openapi/v3/api/v1":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.OpenApiV3CoreV1).ConfigureAwait(false);
                return;
            case "/openapi/v3/apis/authentication.k8s.io/v1":
                await WriteBytesAsync(context, 200, JsonContentType, DiscoveryDocuments.OpenApiV3AuthenticationV1).ConfigureAwait(false);
                return;
            case "/healthz" or "/livez" or "/readyz":
                await WriteTextAsync(context, 200, "ok").ConfigureAwait(false);
                return;
            default:
                // The non-resource mux's NotFound handler.
                await WriteTextAsync(context, 404, "404 page not found\n").ConfigureAwait(false);
                return;
        }
    }

    /// <summary>
    /// pkg/routes/openidmetadata.go: fixed content type and <c>Cache-Control: public, max-age=3600</c>; with an external
    /// signer max-age counts down to the next key sync, and can be 0 (docs/kube-apiserver.md §9.1).
    /// </summary>
    private Task WriteKeyDocumentAsync(HttpContext context, string contentType, KeyRingSnapshot keys, Func<KeyRingSnapshot, byte[]> body, string? faultBody)
    {
        var maxAge = 3600L;
        if (keys.NextSync is { } sync)
        {
            // Rounded up: a client that waits max-age must not ask again just before the sync.
            var remaining = sync - state.Settings.Time.GetUtcNow();
            maxAge = remaining <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(remaining.TotalSeconds);
        }

        context.Response.Headers.CacheControl = "public, max-age=" + maxAge.ToString(CultureInfo.InvariantCulture);
        return WriteBytesAsync(context, 200, contentType, faultBody is null ? body(keys) : Encoding.UTF8.GetBytes(faultBody));
    }

    internal static async Task WriteBytesAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (context.Request.Method != "HEAD")
        {
            CountSent(context, body.Length);
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Adds <paramref name="bytes"/> of response body to the request's endpoint in <see cref="ApiCounters"/>.</summary>
    internal static void CountSent(HttpContext context, long bytes)
    {
        if (context.Items.TryGetValue(TallyKey, out var tally) && tally is (ApiCounters counters, ApiEndpoint endpoint))
        {
            counters.RecordBytes(endpoint, 0, bytes);
        }
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        return WriteBytesAsync(context, status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));
    }

    /// <summary>DELETE of an object without graceful deletion: gone at once, answered with the object, or 404.</summary>
    private async Task DeleteAsync<TObject, TDto>(HttpContext context, string resource, string ns, string name, Func<TObject, TDto> toDto, JsonTypeInfo<TDto> typeInfo)
        where TObject : ApiObject
    {
        var removed = state.Store.Remove(resource, ns, name) as TObject;
        await (removed is null
            ? WriteErrorAsync(context, ApiError.NotFound(resource, name))
            : WriteObjectAsync(context, 200, toDto(removed), typeInfo)).ConfigureAwait(false);
    }

    private static Task WriteObjectAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo) =>
        WriteBytesAsync(context, status, JsonContentType, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));

    internal static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (error.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteObjectAsync(context, error.Code, error.ToStatus(), ApiJsonContext.Api.StatusDto);
    }

    private static bool IsProtobuf(HttpContext context) =>
        context.Request.ContentType?.StartsWith(KubernetesProtobuf.ContentType, StringComparison.OrdinalIgnoreCase) == true;

    private static ApiError InvalidProtobuf(string kind) =>
        ApiError.BadRequest($"the object provided is unrecognized (must be of type {kind}): invalid protobuf body");

    private static async Task<byte[]> ReadAllAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The metadata of a created object, from JSON or (typed clients) protobuf.</summary>
    private static async Task<(ObjectMeta? Metadata, ApiError? Error)> ReadMetadataAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, string kind, Func<T, ObjectMeta?> metadata)
        where T : class
    {
        if (IsProtobuf(context))
        {
            return KubernetesProtobuf.TryDecodeMetadata(await ReadAllAsync(context).ConfigureAwait(false), out var meta) ? (meta, null) : (null, InvalidProtobuf(kind));
        }

        var (body, error) = await ReadBodyAsync(context, typeInfo, kind).ConfigureAwait(false);
        return (body is null ? null : metadata(body), error);
    }

    /// <summary>Reads a JSON body; null body when empty. Returns an error for malformed JSON or a non-JSON content type.</summary>
    private static async Task<(T? Value, ApiError? Error)> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, string kind)
        where T : class
    {
        var contentType = context.Request.ContentType;
        if (!string.IsNullOrEmpty(contentType) && !contentType.StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("*/*", StringComparison.Ordinal))
        {
            return (null, ApiError.UnsupportedMediaType());
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        if (buffer.Length == 0)
        {
            return (null, null);
        }

        try
        {
            return (JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), typeInfo), null);
        }
        catch (JsonException e)
        {
            return (null, ApiError.BadRequest($"the object provided is unrecognized (must be of type {kind}): {e.Message}"));
        }
    }
}
