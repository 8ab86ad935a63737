namespace Verifier.Testing.Json.Models;

/// <summary>v1.Secret; <c>data</c> values are base64 in JSON (byte arrays), keys in Go's sorted map order.</summary>
internal sealed class SecretDto
{
    public string? Kind { get; set; }

    public string? ApiVersion { get; set; }

    public ObjectMeta? Metadata { get; set; }

    public bool? Immutable { get; set; }

    public SortedDictionary<string, byte[]>? Data { get; set; }

    /// <summary>Write-only: merged into <see cref="Data"/> on create, never returned.</summary>
    public Dictionary<string, string>? StringData { get; set; }

    public string? Type { get; set; }
}
