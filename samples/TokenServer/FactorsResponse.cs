namespace TokenServer;

/// <summary>The body of <c>GET /factors/{n}</c>: n, its prime factors, and who asked.</summary>
public sealed record FactorsResponse(long N, IReadOnlyList<long> Factors, string Caller);
