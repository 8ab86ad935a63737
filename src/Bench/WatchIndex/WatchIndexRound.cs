namespace Bench.WatchIndex;

/// <summary>One initial list of the index.</summary>
/// <param name="ListMilliseconds">From the worker's start until every stream had listed.</param>
/// <param name="ListRequests">List requests (pages) the API server answered.</param>
/// <param name="ListBytes">List response bytes (bodies, metadata only).</param>
/// <param name="Objects">Objects the index holds.</param>
/// <param name="RetainedBytes">What the index's objects keep: the heap after a full GC once synced, minus the same once they are cleared.</param>
/// <param name="AllocatedBytes">Bytes allocated from the worker's start until synced (the whole process, server included).</param>
internal sealed record WatchIndexRound(double ListMilliseconds, long ListRequests, long ListBytes, long Objects, long RetainedBytes, long AllocatedBytes);
