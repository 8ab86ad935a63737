namespace Verifier.AspNetCore.Endpoints;

/// <summary>Status <c>metadata</c>: always <c>{}</c>.</summary>
internal sealed class KubernetesStatusMetadata;
