using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Verifier;
using Verifier.AspNetCore.Endpoints;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the HTTP token verification endpoint (sidecar use).</summary>
public static class KubernetesTokenVerificationEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <paramref name="pattern"/> (GET and POST) and <c>{pattern}/apis/authentication.k8s.io/{v1|v1beta1}/tokenreviews</c> (POST):
    /// <list type="bullet">
    /// <item>a token in <c>Authorization: Bearer</c> or a <c>{"token":"…"}</c> body → 200 with
    /// <c>{"username","uid","groups","extra","audiences"}</c> (TokenReview's <c>status.user</c> plus audiences),
    /// 401 or 503 with <c>{"reason","message"}</c>;</item>
    /// <item>a POSTed TokenReview → 201 with the TokenReview as kube-apiserver writes it (503 Status for transient failures).</item>
    /// </list>
    /// The endpoints allow anonymous callers: the token being verified is the request's subject, not its credential.
    /// Add conventions (host, authorization, rate limiting) on the returned builder.
    /// </summary>
    /// <param name="endpoints">The application's route builder.</param>
    /// <param name="pattern">Default <c>/verify</c>.</param>
    /// <exception cref="InvalidOperationException">When no <c>IServiceAccountTokenVerifier</c> is registered.</exception>
    public static IEndpointConventionBuilder MapKubernetesTokenVerification(this IEndpointRouteBuilder endpoints, string pattern = "/verify")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);

        var verifier = endpoints.ServiceProvider.GetService<IServiceAccountTokenVerifier>()
            ?? throw new InvalidOperationException(
                "MapKubernetesTokenVerification needs an IServiceAccountTokenVerifier: call services.AddKubernetesTokenVerifier(...) before building the app.");
        var endpoint = ActivatorUtilities.CreateInstance<TokenVerificationEndpoint>(endpoints.ServiceProvider, verifier);

        var group = endpoints.MapGroup(pattern);
        group.MapMethods(string.Empty, [HttpMethods.Get, HttpMethods.Post], (RequestDelegate)(context => endpoint.InvokeAsync(context, forceTokenReview: false)))
            .WithDisplayName("Kubernetes token verification");
        RequestDelegate review = context => endpoint.InvokeAsync(context, forceTokenReview: true);
        group.MapPost("/apis/authentication.k8s.io/v1/tokenreviews", review).WithDisplayName("Kubernetes TokenReview v1");
        group.MapPost("/apis/authentication.k8s.io/v1beta1/tokenreviews", review).WithDisplayName("Kubernetes TokenReview v1beta1");
        return group;
    }
}
