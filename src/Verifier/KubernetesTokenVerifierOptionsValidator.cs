using Microsoft.Extensions.Options;
using Verifier.Validation;

namespace Verifier;

/// <summary>
/// Checks <see cref="KubernetesTokenVerifierOptions"/> at start (<c>ValidateOnStart</c>); every message names the
/// setting and says how to fix it.
/// </summary>
internal sealed class KubernetesTokenVerifierOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    private const string Section = KubernetesTokenVerifierOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var mode = VerificationModeSelection.Resolve(options);

        if (options.Audiences.Count == 0)
        {
            errors.Add($"{Section}:Audiences must list at least one audience this service accepts, e.g. \"{Section}:Audiences:0\": \"https://my-service.example\" — the audience clients request in their projected token (serviceAccountToken.audience) or TokenRequest. There is no \"accept any audience\".");
        }
        else if (options.Audiences.Count > TokenValidator.MaxAudiences)
        {
            errors.Add($"{Section}:Audiences lists {options.Audiences.Count} audiences; at most {TokenValidator.MaxAudiences} are supported. Give the service fewer, broader audiences.");
        }

        for (var i = 0; i < options.Audiences.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.Audiences[i]))
            {
                errors.Add($"{Section}:Audiences:{i} is empty; remove it or set the audience string.");
            }
        }

        for (var i = 0; i < options.Issuers.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.Issuers[i]))
            {
                errors.Add($"{Section}:Issuers:{i} is empty; remove it or set the issuer exactly as tokens carry it in iss, e.g. https://kubernetes.default.svc.cluster.local.");
            }
        }

        if (VerificationModeSelection.UsesKeys(options))
        {
            ValidateKeys(options, errors);
        }

        if (mode is VerificationMode.TokenReview or VerificationMode.Hybrid && !VerificationModeSelection.HasApiServer(options.ApiServer))
        {
            errors.Add($"{Section}:Mode {mode} needs an API server: set {Section}:ApiServer:Server or {Section}:ApiServer:KubeconfigPath, run in a pod, or set {Section}:Mode to Local.");
        }

        ValidateValidation(options.Validation, errors);
        ValidateCache(options.Cache, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateKeys(KubernetesTokenVerifierOptions options, List<string> errors)
    {
        var keys = options.Keys;
        switch (keys.Source)
        {
            case KeySourceKind.ApiServer when !VerificationModeSelection.HasApiServer(options.ApiServer):
                errors.Add($"{Section}:Keys:Source is ApiServer (the default) but no API server is configured: set {Section}:ApiServer:Server or {Section}:ApiServer:KubeconfigPath, run in a pod (KUBERNETES_SERVICE_HOST), or set {Section}:Keys:Source to PublicIssuer (with {Section}:Keys:IssuerUrl) or StaticFile (with {Section}:Keys:StaticFilePath).");
                break;
            case KeySourceKind.PublicIssuer when keys.IssuerUrl is null:
                errors.Add($"{Section}:Keys:Source is PublicIssuer but {Section}:Keys:IssuerUrl is not set: set it to the issuer URL tokens carry in iss, e.g. https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE.");
                break;
            case KeySourceKind.PublicIssuer when !keys.IssuerUrl!.IsAbsoluteUri || keys.IssuerUrl.Scheme != Uri.UriSchemeHttps:
                errors.Add($"{Section}:Keys:IssuerUrl must be an absolute https URL (kube-apiserver requires https issuers for discovery); got '{keys.IssuerUrl}'.");
                break;
            case KeySourceKind.StaticFile when string.IsNullOrWhiteSpace(keys.StaticFilePath):
                errors.Add($"{Section}:Keys:Source is StaticFile but {Section}:Keys:StaticFilePath is not set: point it at a JWKS file ({{\"keys\":[...]}}, e.g. saved from kubectl get --raw /openid/v1/jwks) or a PEM file of public keys (the API server's --service-account-key-file).");
                break;
            case KeySourceKind.StaticFile when options.Issuers.Count == 0:
                errors.Add($"{Section}:Issuers must list the accepted issuer(s) when {Section}:Keys:Source is StaticFile (a file has no discovery document to take it from), e.g. https://kubernetes.default.svc.cluster.local (kubectl get --raw /.well-known/openid-configuration shows it).");
                break;
            case KeySourceKind.ApiServer or KeySourceKind.PublicIssuer or KeySourceKind.StaticFile:
                break;
            default:
                errors.Add($"{Section}:Keys:Source '{keys.Source}' is not one of ApiServer, PublicIssuer, StaticFile.");
                break;
        }

        Positive(keys.RefreshInterval, "Keys:RefreshInterval", "e.g. 01:00:00", errors);
        Positive(keys.RetryInterval, "Keys:RetryInterval", "e.g. 00:00:10", errors);
        Positive(keys.FetchTimeout, "Keys:FetchTimeout", "e.g. 00:00:10", errors);
        Positive(keys.MaxStaleness, "Keys:MaxStaleness", "e.g. 1.00:00:00", errors);
        NotNegative(keys.UnknownKeyCooldown, "Keys:UnknownKeyCooldown", errors);
        NotNegative(keys.UnknownKeyNegativeCacheTtl, "Keys:UnknownKeyNegativeCacheTtl", errors);
        if (keys.RefreshJitter is < 0 or > 0.5 || double.IsNaN(keys.RefreshJitter))
        {
            errors.Add($"{Section}:Keys:RefreshJitter must be between 0 and 0.5 (a fraction of the refresh interval); got {keys.RefreshJitter}.");
        }

        if (keys.UnknownKeyNegativeCacheSize <= 0)
        {
            errors.Add($"{Section}:Keys:UnknownKeyNegativeCacheSize must be greater than 0, e.g. 1024.");
        }

        if (keys.MaxResponseBytes <= 0)
        {
            errors.Add($"{Section}:Keys:MaxResponseBytes must be greater than 0, e.g. 1048576.");
        }

        if (keys.MaxStaleness > TimeSpan.Zero && keys.RefreshInterval > TimeSpan.Zero && keys.MaxStaleness < keys.RefreshInterval * (1 + Math.Max(0, keys.RefreshJitter)))
        {
            errors.Add($"{Section}:Keys:MaxStaleness ({keys.MaxStaleness}) is shorter than the refresh interval with jitter, so keys would expire between two healthy refreshes: make it several refresh intervals, e.g. 1.00:00:00.");
        }
    }

    private static void ValidateValidation(ValidationOptions validation, List<string> errors)
    {
        NotNegative(validation.ExpirationLeeway, "Validation:ExpirationLeeway", errors);
        NotNegative(validation.NotBeforeLeeway, "Validation:NotBeforeLeeway", errors);
        NotNegative(validation.IssuedAtLeeway, "Validation:IssuedAtLeeway", errors);
        if (validation.MaxTokenBytes <= 0)
        {
            errors.Add($"{Section}:Validation:MaxTokenBytes must be greater than 0, e.g. 16384 (Kubernetes tokens are about 1-2 KB).");
        }

        if (validation.MaxTokenAge is { } maxAge && maxAge <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:Validation:MaxTokenAge must be greater than zero, e.g. 90.00:00:00 on EKS; remove it for no limit. Got {maxAge}.");
        }

        for (var i = 0; i < validation.ApiAudiences.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(validation.ApiAudiences[i]))
            {
                errors.Add($"{Section}:Validation:ApiAudiences:{i} is empty; remove it or set it to one of the API server's --api-audiences.");
            }
        }
    }

    private static void ValidateCache(ResultCacheOptions cache, List<string> errors)
    {
        if (cache.MaxEntries <= 0)
        {
            errors.Add($"{Section}:Cache:MaxEntries must be greater than 0, e.g. 10000; set {Section}:Cache:Enabled to false to turn the cache off.");
        }

        NotNegative(cache.SuccessTtl, "Cache:SuccessTtl", errors);
        NotNegative(cache.FailureTtl, "Cache:FailureTtl", errors);
    }

    private static void Positive(TimeSpan value, string setting, string example, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:{setting} must be greater than zero ({example}); got {value}.");
        }
    }

    private static void NotNegative(TimeSpan value, string setting, List<string> errors)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{Section}:{setting} must not be negative; use 00:00:00 for none. Got {value}.");
        }
    }
}
