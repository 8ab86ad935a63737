namespace Verifier.AspNetCore.Endpoints;

/// <summary>The plain verify endpoint's 4xx/503 body: the reason class (<c>expired</c>, <c>keys_unavailable</c>, …) and a message without the token.</summary>
internal sealed class VerificationErrorResponse
{
    public required string Reason { get; set; }

    public string? Message { get; set; }
}
