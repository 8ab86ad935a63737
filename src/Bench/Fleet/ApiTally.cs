using Verifier.Testing;

namespace Bench.Fleet;

/// <summary>What <see cref="LocalApiServer"/>'s counters say at one moment, or between two (a phase).</summary>
internal readonly record struct ApiTally(long Discovery, long Jwks, long TokenReviews, long Lists, long Other, long BytesReceived, long BytesSent, long ConnectionsOpened)
{
    private static readonly ApiEndpoint[] Endpoints = Enum.GetValues<ApiEndpoint>();

    public long Requests => Discovery + Jwks + TokenReviews + Lists + Other;

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
            counters.Count(ApiEndpoint.List) + counters.Count(ApiEndpoint.Watch),
            counters.Count(ApiEndpoint.Other) + counters.Count(ApiEndpoint.TokenRequest),
            received,
            sent,
            counters.ConnectionsOpened);
    }

    public static ApiTally operator -(ApiTally after, ApiTally before) => new(
        after.Discovery - before.Discovery,
        after.Jwks - before.Jwks,
        after.TokenReviews - before.TokenReviews,
        after.Lists - before.Lists,
        after.Other - before.Other,
        after.BytesReceived - before.BytesReceived,
        after.BytesSent - before.BytesSent,
        after.ConnectionsOpened - before.ConnectionsOpened);

    public static ApiTally operator +(ApiTally a, ApiTally b) => new(
        a.Discovery + b.Discovery,
        a.Jwks + b.Jwks,
        a.TokenReviews + b.TokenReviews,
        a.Lists + b.Lists,
        a.Other + b.Other,
        a.BytesReceived + b.BytesReceived,
        a.BytesSent + b.BytesSent,
        a.ConnectionsOpened + b.ConnectionsOpened);
}
