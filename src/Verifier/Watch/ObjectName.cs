namespace Verifier.Watch;

/// <summary>An object's key in the index; <see cref="Namespace"/> is empty for nodes.</summary>
internal readonly record struct ObjectName(string Namespace, string Name);
