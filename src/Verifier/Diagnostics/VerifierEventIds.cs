namespace Verifier.Diagnostics;

/// <summary>
/// Every log event id of the project, in one place so they stay stable and unique. One range per feature:
/// Keys 1000, Validation 1100, TokenReview 1200, Modes 1300, Cluster 1400, Client 1500, AspNetCore 1600, Watch 1700.
/// </summary>
internal static class VerifierEventIds
{
    // Keys 1000-1099
    public const int KeysRefreshed = 1000;
    public const int KeysRefreshFailed = 1001;
    public const int KeySetRejected = 1002;
    public const int KeysUnknownKidRefresh = 1003;
    public const int KeysRefreshSuppressed = 1004;
    public const int KeysStale = 1005;
    public const int KeysExpired = 1006;
    public const int KeySkipped = 1007;
    public const int KeysFileChanged = 1008;
    public const int KeysWorkerStopped = 1009;
    public const int KeysConfirmed = 1010;
    public const int KeysRefreshFailedNoKeys = 1011;

    // Validation 1100-1199
    public const int TokenRejected = 1100;
    public const int TokenAccepted = 1101;

    // TokenReview 1200-1299
    public const int TokenReviewFailed = 1200;
    public const int TokenReviewRetry = 1201;
    public const int TokenReviewBreakerOpened = 1202;
    public const int TokenReviewBreakerClosed = 1203;
    public const int TokenReviewMisconfigured = 1204;

    // Modes 1300-1399
    public const int BindingInvalidated = 1300;
    public const int BindingGraceUsed = 1301;
    public const int ShadowDisagreement = 1302;
    public const int ShadowSkipped = 1303;
    public const int ShadowComparisonFailed = 1304;
    public const int ShadowIdentityMismatch = 1305;

    // Cluster 1400-1499
    public const int ClusterConnectionResolved = 1400;
    public const int ClusterInsecureSkipTlsVerify = 1401;
    public const int ClusterTokenFileReadFailed = 1402;
    public const int ClusterRequestFailed = 1403;
    public const int ClusterExecCredentialObtained = 1404;
    public const int ClusterExecRefreshFailed = 1405;
    public const int ClusterExecFailed = 1406;
    public const int ClusterExecCredentialRejected = 1407;

    // Client 1500-1599
    public const int ClientTokenReloaded = 1500;
    public const int ClientTokenReloadFailed = 1501;
    public const int ClientTokenNearExpiry = 1502;
    public const int ClientTokenRequested = 1503;
    public const int ClientTokenRequestFailed = 1504;
    public const int ClientRetryOn401 = 1505;
    public const int ClientNoRetryOn401 = 1506;

    // AspNetCore 1600-1699
    public const int AuthenticationFailed = 1600;
    public const int AuthenticationSucceeded = 1601;
    public const int VerifyEndpointRequest = 1602;
    public const int StartupReady = 1603;
    public const int StartupReadyTimedOut = 1604;

    // Watch 1700-1799
    public const int WatchObjectRevoked = 1700;
    public const int WatchSynced = 1701;
    public const int WatchStreamLost = 1702;
    public const int WatchRelist = 1703;
    public const int WatchListFailed = 1704;
    public const int WatchStopped = 1705;
}
