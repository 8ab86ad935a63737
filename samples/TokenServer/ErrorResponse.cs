namespace TokenServer;

/// <summary>A 400 body.</summary>
public sealed record ErrorResponse(string Error);
