namespace Verifier.Keys;

/// <summary>Why a key refresh ran: the <c>trigger</c> tag of <c>verifier.keys.refreshes</c> and a log field.</summary>
internal static class KeyRefreshTrigger
{
    public const string Startup = "startup";
    public const string Periodic = "periodic";
    public const string UnknownKid = "unknown_kid";
    public const string FileChanged = "file_changed";
}
