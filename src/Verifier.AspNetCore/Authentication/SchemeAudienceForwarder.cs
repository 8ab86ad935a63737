using Microsoft.Extensions.Options;

namespace Verifier.AspNetCore.Authentication;

/// <summary>
/// Forwards one scheme's <see cref="KubernetesServiceAccountOptions.Audiences"/> into the single verifier's
/// <see cref="KubernetesTokenVerifierOptions.Audiences"/> (see the remarks there). Registered once per scheme;
/// post-configure runs after every <c>Configure</c> (including the <c>Verifier</c> configuration section), so
/// it sees the final configured audiences and the audiences earlier schemes forwarded.
/// </summary>
internal sealed class SchemeAudienceForwarder(string schemeName, IOptionsMonitor<KubernetesServiceAccountOptions> schemeOptions)
    : IPostConfigureOptions<KubernetesTokenVerifierOptions>
{
    public void PostConfigure(string? name, KubernetesTokenVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name != Options.DefaultName)
        {
            return;
        }

        IList<string> requested;
        try
        {
            requested = schemeOptions.Get(schemeName).Audiences;
        }
        catch (OptionsValidationException)
        {
            // The scheme's own ValidateOnStart reports it (once, with its how-to-fix message).
            return;
        }

        if (requested.Count == 0)
        {
            return;
        }

        if (options.Audiences.Count == 0)
        {
            options.Audiences = [.. requested];
            return;
        }

        if (!SameSet(requested, options.Audiences))
        {
            throw new OptionsValidationException(
                schemeName,
                typeof(KubernetesServiceAccountOptions),
                [
                    $"Authentication scheme '{schemeName}' sets Audiences [{string.Join(", ", requested)}], but the token verifier already accepts " +
                    $"[{string.Join(", ", options.Audiences)}] (from the '{KubernetesTokenVerifierOptions.SectionName}' options or another scheme). " +
                    "One verifier serves every scheme: give every scheme the same audiences, or set them once in " +
                    $"{KubernetesTokenVerifierOptions.SectionName}:Audiences and leave the scheme's Audiences empty.",
                ]);
        }
    }

    private static bool SameSet(IList<string> a, IList<string> b)
    {
        foreach (var item in a)
        {
            if (!b.Contains(item))
            {
                return false;
            }
        }

        foreach (var item in b)
        {
            if (!a.Contains(item))
            {
                return false;
            }
        }

        return true;
    }
}
