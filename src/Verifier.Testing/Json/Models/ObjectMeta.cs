using System.Text.Json.Serialization;

namespace Verifier.Testing.Json.Models;

/// <summary>metav1.ObjectMeta, fields in Go order; <c>creationTimestamp</c> is written even when null, as Go does.</summary>
internal sealed class ObjectMeta
{
    public string? Name { get; set; }

    public string? GenerateName { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? CreationTimestamp { get; set; }

    public string? DeletionTimestamp { get; set; }

    public long? DeletionGracePeriodSeconds { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }
}
