namespace Bench.Compare;

/// <summary>What a corpus token is, and so what the reference (TokenReview) should say about it.</summary>
internal enum TokenCategory
{
    Valid,
    Expired,
    NotYetValid,
    WrongAudience,
    WrongIssuer,
    TamperedSignature,
    UnknownKid,
    RotatedOutKey,
    DeletedPod,
    RecreatedPod,
    LegacySecret,
    Malformed,
}
