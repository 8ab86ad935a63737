using System.Diagnostics.CodeAnalysis;

namespace Verifier.Cluster;

/// <summary>A value or a <see cref="KubernetesApiError"/>: failures of the API server are results, not exceptions.</summary>
#pragma warning disable CA1815 // Equality of results is never needed.
internal readonly struct KubernetesApiResult<T>
#pragma warning restore CA1815
    where T : class
{
    private KubernetesApiResult(T? value, KubernetesApiError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public KubernetesApiError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static KubernetesApiResult<T> Success(T value) => new(value, null);

    public static KubernetesApiResult<T> Failure(KubernetesApiError error) => new(null, error);

    /// <exception cref="KubernetesApiException">When the call failed.</exception>
    public T GetValueOrThrow() => Succeeded ? Value : throw new KubernetesApiException(Error);
}
