namespace Verifier.Testing.Tokens;

/// <summary>user.Info: who a credential belongs to.</summary>
/// <param name="Name">The username.</param>
/// <param name="Uid">Null when the authenticator gives none.</param>
/// <param name="Groups">Including <c>system:authenticated</c> when authenticated.</param>
/// <param name="Extra">Keys in ordinal order, as Go marshals maps.</param>
internal sealed record AuthenticatedUser(string Name, string? Uid, IReadOnlyList<string> Groups, SortedDictionary<string, List<string>> Extra)
{
    public const string AuthenticatedGroup = "system:authenticated";
    public const string ServiceAccountsGroup = "system:serviceaccounts";

    public static AuthenticatedUser Anonymous { get; } = new("system:anonymous", null, ["system:unauthenticated"], new(StringComparer.Ordinal));

    public bool InGroup(string group) => Groups.Contains(group);
}
