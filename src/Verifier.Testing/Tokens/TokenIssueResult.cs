using Verifier.Testing.Server;

namespace Verifier.Testing.Tokens;

/// <summary>Either the TokenRequest response (plus <c>Warning</c> header texts) or the API error.</summary>
internal sealed record TokenIssueResult(TokenRequestDto? Response, IReadOnlyList<string> Warnings, ApiError? Error);
