namespace Verifier.Testing.State;

/// <summary>One write as a watch reports it.</summary>
/// <param name="ResourceVersion">The store version after this write.</param>
/// <param name="Type">ADDED, MODIFIED or DELETED.</param>
/// <param name="Object">The object after the write (for DELETED: as it was last stored, at the deletion's version).</param>
/// <param name="Previous">The object before the write (null for ADDED), to read the store at an older version.</param>
internal sealed record StoreEvent(long ResourceVersion, string Type, ApiObject Object, ApiObject? Previous);
