using Verifier.Testing;

namespace Bench.Fleet;

/// <summary>What <see cref="LocalApiServer"/>'s counters say at one moment, or between two (a phase).</summary>
/// <param name="Lists">Collection GETs without <c>watch</c> (watch mode's paged metadata lists).</param>
/// <param name="Watches">Watch streams opened (a watch is counted once, when its response starts).</param>
/// <param name="ListBytes">Response body bytes of the lists (part of <paramref name="BytesSent"/>).</param>
/// <param name="WatchBytes">Event and bookmark bytes the watch streams sent (part of <paramref name="BytesSent"/>).</param>
internal readonly record struct ApiTally(long Discovery, long Jwks, long TokenReviews, long Lists, long Watches, long Other, long BytesReceived, long BytesSent, long ListBytes, long WatchBytes, long ConnectionsOpened)
{
    private static readonly ApiEndpoint[] Endpoints = Enum.GetValues<ApiEndpoint>();

    public long Requests => Discovery + Jwks + TokenReviews + Lists + Watches + Other;

    public static ApiTally Read(ApiCounters counters)
    {
        long received = 0, sent = 0;
        foreach (var endpoint in Endpoints)
        {
            received += counters.BytesReceived(endpoint);
            sent += counters.BytesSent(endpoint);
        }

        return new ApiTally(
            counters.Count(ApiEndpoint.OidcDiscovery),
            counters.Count(ApiEndpoint.Jwks),
            counters.Count(ApiEndpoint.TokenReview),
            counters.Count(ApiEndpoint.List),
            counters.Count(ApiEndpoint.Watch),
            counters.Count(ApiEndpoint.Other) + counters.Count(ApiEndpoint.TokenRequest),
            received,
            sent,
            counters.BytesSent(ApiEndpoint.List),
            counters.BytesSent(ApiEndpoint.Watch),
            counters.ConnectionsOpened);
    }

    public static ApiTally operator -(ApiTally after, ApiTally before) => new(
        after.Discovery - before.Discovery,
        after.Jwks - before.Jwks,
        after.TokenReviews - before.TokenReviews,
        after.Lists - before.Lists,
        after.Watches - before.Watches,
        after.Other - before.Other,
        after.BytesReceived - before.BytesReceived,
        after.BytesSent - before.BytesSent,
        after.ListBytes - before.ListBytes,
        after.WatchBytes - before.WatchBytes,
        after.ConnectionsOpened - before.ConnectionsOpened);

    public static ApiTally operator +(ApiTally a, ApiTally b) => new(
        a.Discovery + b.Discovery,
        a.Jwks + b.Jwks,
        a.TokenReviews + b.TokenReviews,
        a.Lists + b.Lists,
        a.Watches + b.Watches,
        a.Other + b.Other,
        a.BytesReceived + b.BytesReceived,
        a.BytesSent + b.BytesSent,
        a.ListBytes + b.ListBytes,
        a.WatchBytes + b.WatchBytes,
        a.ConnectionsOpened + b.ConnectionsOpened);
}
