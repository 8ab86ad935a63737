namespace Verifier.Testing.Server;

/// <summary>What the list and watch machinery needs to know of one resource.</summary>
/// <param name="Resource">The plural path segment (<c>pods</c>).</param>
/// <param name="Kind">The object kind (<c>Pod</c>); the list kind is <c>{Kind}List</c>.</param>
/// <param name="Namespaced">Whether objects live in namespaces.</param>
/// <param name="Serialize">The object as JSON; with <c>kind</c>/<c>apiVersion</c> when the flag is true (lists leave them out).</param>
/// <param name="Field">The value of a field selector label other than <c>metadata.name</c>/<c>metadata.namespace</c>; null when the field is not supported.</param>
internal sealed record ResourceKind(string Resource, string Kind, bool Namespaced, Func<ApiObject, bool, string> Serialize, Func<ApiObject, string, string?> Field);
