namespace Bench.Soak;

/// <summary>The process and the verifier at one point of a mode's run.</summary>
internal sealed record SoakSample(
    TimeSpan At,
    long Verifications,
    long WorkingSetBytes,
    long ManagedHeapBytes,
    int Gen0,
    int Gen1,
    int Gen2,
    int ResultCacheEntries,
    int UnknownKidEntries,
    int BindingEntries,
    long ApiRequests);
