using Microsoft.Extensions.Options;

namespace Verifier.Keys;

/// <summary>Validates <c>Verifier:Keys</c> at start, when the mode verifies locally; every message says how to fix the setting.</summary>
internal sealed class KeySourceOptionsValidator : IValidateOptions<KubernetesTokenVerifierOptions>
{
    private const string Section = KubernetesTokenVerifierOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (VerificationModeSelection.UsesKeys(options))
        {
            Validate(options, errors);
        }

        return OptionErrors.ToResult(errors);
    }

    private static void Validate(KubernetesTokenVerifierOptions options, List<string> errors)
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

        OptionErrors.Positive(errors, keys.RefreshInterval, Section + ":Keys:RefreshInterval", "e.g. 01:00:00");
        OptionErrors.Positive(errors, keys.RetryInterval, Section + ":Keys:RetryInterval", "e.g. 00:00:10");
        OptionErrors.Positive(errors, keys.FetchTimeout, Section + ":Keys:FetchTimeout", "e.g. 00:00:10");
        OptionErrors.Positive(errors, keys.MaxStaleness, Section + ":Keys:MaxStaleness", "e.g. 1.00:00:00");
        OptionErrors.NotNegative(errors, keys.UnknownKeyCooldown, Section + ":Keys:UnknownKeyCooldown");
        OptionErrors.NotNegative(errors, keys.UnknownKeyNegativeCacheTtl, Section + ":Keys:UnknownKeyNegativeCacheTtl");
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
}
