namespace Verifier.Watch;

/// <summary>What the index keeps of one object: its uid and, while it is being deleted, its deletion timestamp.</summary>
internal sealed record IndexedObject(string Uid, DateTimeOffset? DeletionTimestamp);
