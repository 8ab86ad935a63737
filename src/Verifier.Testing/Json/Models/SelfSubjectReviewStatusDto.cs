namespace Verifier.Testing.Json.Models;

internal sealed class SelfSubjectReviewStatusDto
{
    public UserInfoDto? UserInfo { get; set; }
}
