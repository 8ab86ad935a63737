using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Verifier;
using Verifier.Cluster;
using Verifier.Testing;
using Verifier.Testing.Tokens;

namespace Bench.Compare;

/// <summary>
/// An in-process <see cref="LocalApiServer"/> on 127.0.0.1 with real HTTPS. Because this run owns the server's
/// signing keys and clock, it can produce every category: tokens that are not yet valid or carry a foreign issuer
/// (signed with the cluster key), tokens of a rotated-out key, expired tokens and pods past the deletion grace
/// (by moving the shared clock forward instead of waiting). It also accepts the issuer <c>kubernetes/serviceaccount</c>
/// (a second <c>--service-account-issuer</c>) and verifies with external-signer keys: one published, one freshly
/// rotated in (withheld from each verifier until it is ready) and one excluded from discovery.
/// </summary>
internal sealed class EmbeddedTarget : ICompareTarget, IRevocationTarget
{
    private const string ReviewerNamespace = "verifier-system";
    private const string ReviewerAccount = "token-reviewer";
    private const string LegacyIssuer = "kubernetes/serviceaccount";
    private const string KeyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/+=@!$*";
    private static readonly string[] Namespaces = ["team-a", "team-b"];

    private readonly ShiftableTimeProvider _time = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("compare-").FullName;
    private LocalApiServer? _server;
    private ApiConnection? _admin;
    private HttpClient? _floor;
    private SigningKey? _fresh;
    private readonly List<SigningKey> _ownedKeys = [];

    public string Description => _server is null ? "embedded LocalApiServer" : $"embedded LocalApiServer at {_server.BaseAddress} (issuer {_server.Issuer})";

    public TimeProvider Time => _time;

    public long? ServerTokenReviewCount => _server?.Counters.Count(ApiEndpoint.TokenReview);

    public long? ServerConnectionsOpened => _server?.Counters.ConnectionsOpened;

    public int? ServerOpenWatches => _server?.OpenWatchCount;

    public IRevocationTarget? Revocation => this;

    public IReadOnlyList<string> Issuers => _server is null ? [] : [_server.Issuer, LegacyIssuer];

    // The freshly rotated key leaves the JWKS while a verifier loads its keys and comes back once it is ready: every
    // verifier meets it as a kid published after its last fetch (its tokens come first in the corpus, before any
    // other unknown kid starts the unknown-kid cooldown).
    public void VerifierStarting()
    {
        if (_fresh is not null)
        {
            Server.RetireKey(_fresh.KeyId);
        }
    }

    public void VerifierReady()
    {
        if (_fresh is not null)
        {
            Server.AddPublicKey(_fresh);
        }
    }

    private LocalApiServer Server => _server ?? throw new InvalidOperationException("PrepareAsync first.");

    private string ReviewerTokenFile => Path.Combine(_directory, "reviewer-token");

    private string CaFile => Path.Combine(_directory, "ca.crt");

    public void ConfigureVerifierConnection(ApiServerOptions options)
    {
        options.Server = Server.BaseAddress;
        options.CertificateAuthorityFile = CaFile;
        options.TokenFile = ReviewerTokenFile;
    }

    public async Task<Corpus> PrepareAsync(CompareOptions options, ProgressLine progress, CancellationToken cancellationToken)
    {
        using var retiring = SigningKey.CreateRsa();
        var serverOptions = new LocalApiServerOptions { TimeProvider = _time, SigningKey = retiring };
        serverOptions.Issuers.Add(LegacyIssuer);
        _server = await LocalApiServer.StartAsync(serverOptions, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(CaFile, _server.CaCertificatePem, cancellationToken).ConfigureAwait(false);
        var adminTokenFile = Path.Combine(_directory, "admin-token");
        await File.WriteAllTextAsync(adminTokenFile, _server.AdminToken, cancellationToken).ConfigureAwait(false);
        _admin = new ApiConnection(o => { o.Server = _server.BaseAddress; o.CertificateAuthorityFile = CaFile; o.TokenFile = adminTokenFile; }, _time);
        _floor = _admin.CreateHttpClient();

        // The verifier's own identity: a service account bound to system:auth-delegator, as deploy/ does.
        _server.CreateNamespace(ReviewerNamespace);
        _server.CreateServiceAccount(ReviewerNamespace, ReviewerAccount);
        _server.GrantClusterRole(LocalApiServerRoles.AuthDelegator, ReviewerNamespace, ReviewerAccount);
        _server.GrantClusterRole(LocalApiServerRoles.BoundObjectWatcher, ReviewerNamespace, ReviewerAccount); // watch mode (deploy/overlays/watch)
        await File.WriteAllTextAsync(ReviewerTokenFile, _server.IssueToken(ReviewerNamespace, ReviewerAccount, expirationSeconds: 4 * 3600), cancellationToken).ConfigureAwait(false);

        var layout = CreateObjects(options);
        var corpus = new Corpus();
        var api = _admin.Client;
        var perCategory = options.TokensPerCategory;

        // Signed by the first key, which is then rotated out the way an operator does it: publish the new key,
        // sign with it, and retire the old one.
        await CorpusBuilder.MintAsync(corpus, TokenCategory.RotatedOutKey, perCategory, (i, ct) => layout.RequestPodTokenAsync(api, i, 3600, ct), progress, cancellationToken).ConfigureAwait(false);
        var current = SigningKey.CreateRsa();
        _server.SetSigningKey(current);
        _server.RetireKey(retiring.KeyId);

        await CorpusBuilder.MintAsync(corpus, TokenCategory.Valid, options.ValidTokens, (i, ct) => layout.RequestPodTokenAsync(api, i, 3600, ct), progress, cancellationToken).ConfigureAwait(false);
        await CorpusBuilder.MintAsync(corpus, TokenCategory.Expired, perCategory, (i, ct) => layout.RequestPodTokenAsync(api, i, 600, ct), progress, cancellationToken).ConfigureAwait(false);
        await CorpusBuilder.MintAsync(corpus, TokenCategory.WrongAudience, perCategory,
            (i, ct) => CorpusBuilder.RequestTokenAsync(api, layout.NamespaceOf(i), layout.AccountOf(i), layout.PodOf(i), 3600, ct, audience: "not-" + CompareRun.Audience), progress, cancellationToken).ConfigureAwait(false);
        await CorpusBuilder.MintAsync(corpus, TokenCategory.DeletedPod, perCategory, (i, ct) => layout.RequestDoomedTokenAsync(api, "doomed", i, ct), progress, cancellationToken).ConfigureAwait(false);
        await CorpusBuilder.MintAsync(corpus, TokenCategory.RecreatedPod, perCategory, (i, ct) => layout.RequestDoomedTokenAsync(api, "phoenix", i, ct), progress, cancellationToken).ConfigureAwait(false);

        var now = _time.GetUtcNow();
        for (var i = 0; i < perCategory; i++)
        {
            var (ns, account, pod) = (layout.NamespaceOf(i), layout.AccountOf(i), layout.PodOf(i));
            var accountUid = Server.GetServiceAccountUid(ns, account)!;
            var podUid = Server.GetPodUid(ns, pod)!;
            var node = layout.NodeOf(i);
            corpus.Add(TokenCategory.NotYetValid, JwtWriter.Sign(current, CorpusBuilder.PodBoundClaims(
                Server.Issuer, CompareRun.Audience, now.AddMinutes(30), 3600, ns, account, accountUid, pod, podUid, node, Server.GetNodeUid(node))));
            corpus.Add(TokenCategory.WrongIssuer, JwtWriter.Sign(current, CorpusBuilder.PodBoundClaims(
                "https://not-this-cluster.example", CompareRun.Audience, now, 3600, ns, account, accountUid, pod, podUid, node, Server.GetNodeUid(node))));
            corpus.Add(TokenCategory.LegacySecret, Server.CreateLegacyServiceAccountToken(ns, account, $"{account}-token-{i}"));

            // docs/kube-apiserver.md §9.2: such clusters' bound tokens often carry "kid":"" (every key is tried).
            var legacyIssuerClaims = CorpusBuilder.PodBoundClaims(LegacyIssuer, CompareRun.Audience, now, 3600, ns, account, accountUid, pod, podUid, node, Server.GetNodeUid(node));
            corpus.Add(TokenCategory.LegacyIssuerBound, JwtWriter.Sign(current, legacyIssuerClaims, i % 2 == 0 ? "{\"alg\":\"RS256\",\"kid\":\"\"}" : null));
        }

        // External-signer keys (docs/kube-apiserver.md §9.1): typ JWT, opaque kids, ECDSA. Signed in process, as the
        // signer would sign for the API server.
        var external = NewExternalKey(384, 200);
        Server.AddPublicKey(external);
        _fresh = NewExternalKey(521, 1024);
        Server.AddPublicKey(_fresh);
        var excluded = NewExternalKey(256, 40);
        Server.AddExcludedKey(excluded);
        var freshTokens = new List<CorpusToken>();
        for (var i = 0; i < perCategory; i++)
        {
            var (ns, account, pod) = (layout.NamespaceOf(i), layout.AccountOf(i), BoundObjectRef.Pod(layout.PodOf(i)));
            corpus.Add(TokenCategory.ExternalSigner, Server.IssueTokenSignedBy(external, ns, account, [CompareRun.Audience], pod));
            freshTokens.Add(new CorpusToken(TokenCategory.FreshlyRotatedKey, Server.IssueTokenSignedBy(_fresh, ns, account, [CompareRun.Audience], pod)));
            corpus.Add(TokenCategory.ExcludedKey, Server.IssueTokenSignedBy(excluded, ns, account, [CompareRun.Audience], pod));
        }

        corpus.Tokens.InsertRange(0, freshTokens);

        var valid = corpus.ValidTokens();
        CorpusBuilder.AddTampered(corpus, valid, perCategory);
        CorpusBuilder.AddTrailingNewline(corpus, valid, perCategory);
        CorpusBuilder.AddUnknownKid(corpus, valid, perCategory);
        CorpusBuilder.AddMalformed(corpus);

        // Pods go away: "doomed" ones gracefully (deletionTimestamp = now + 30 s, object kept), "phoenix" ones are
        // deleted and created again under the same name with a new UID. Then the clock moves 12 minutes: past the
        // 600 s tokens' exp + 60 s leeway, and past deletionTimestamp + 60 s for the doomed pods.
        for (var i = 0; i < layout.DoomedPods; i++)
        {
            Server.DeletePod(layout.NamespaceOf(i), $"doomed-{i}", TimeSpan.FromSeconds(30));
            Server.RecreatePod(layout.NamespaceOf(i), $"phoenix-{i}");
        }

        _time.Advance(TimeSpan.FromMinutes(12));
        await File.WriteAllTextAsync(ReviewerTokenFile, _server.IssueToken(ReviewerNamespace, ReviewerAccount, expirationSeconds: 4 * 3600), cancellationToken).ConfigureAwait(false);
        progress.Done($"corpus: {corpus.Tokens.Count} tokens in {Enum.GetValues<TokenCategory>().Length} categories");
        return corpus;
    }

    public async Task<string> CreatePodWithTokenAsync(string name, CancellationToken cancellationToken)
    {
        Server.CreatePod(Namespaces[0], name, "sa-0", "node-0");
        return await CorpusBuilder.RequestTokenAsync((_admin ?? throw new InvalidOperationException("PrepareAsync first.")).Client, Namespaces[0], "sa-0", name, 3600, cancellationToken).ConfigureAwait(false);
    }

    public DateTimeOffset DeletePod(string name)
    {
        Server.DeletePod(Namespaces[0], name, TimeSpan.FromSeconds(30));
        return Server.GetPodDeletionTimestamp(Namespaces[0], name)!.Value + TimeSpan.FromSeconds(60);
    }

    public void Advance(TimeSpan delta) => _time.Advance(delta);

    public void SendWatchBookmarks() => Server.SendWatchBookmarks();

    private SigningKey NewExternalKey(int bits, int keyIdLength)
    {
        var key = SigningKey.CreateEc(bits, RandomNumberGenerator.GetString(KeyIdAlphabet, keyIdLength), typedHeader: true);
        _ownedKeys.Add(key);
        return key;
    }

    public async Task FloorRequestAsync(CancellationToken cancellationToken)
    {
        using var response = await (_floor ?? throw new InvalidOperationException("PrepareAsync first."))
            .GetAsync(new Uri("/version", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public Task<ReferenceVerdict> ReviewAsync(string token, CancellationToken cancellationToken) =>
        Reference.ReviewAsync(_admin?.Client ?? throw new InvalidOperationException("PrepareAsync first."), token, cancellationToken);

    private ObjectLayout CreateObjects(CompareOptions options)
    {
        var layout = new ObjectLayout(options.ServiceAccounts, options.Pods, Math.Min(options.TokensPerCategory, 20));
        foreach (var ns in Namespaces)
        {
            Server.CreateNamespace(ns);
        }

        for (var n = 0; n < 3; n++)
        {
            Server.CreateNode($"node-{n}");
        }

        for (var a = 0; a < options.ServiceAccounts; a++)
        {
            Server.CreateServiceAccount(layout.NamespaceOfAccount(a), $"sa-{a}");
        }

        for (var p = 0; p < options.Pods; p++)
        {
            Server.CreatePod(layout.NamespaceOf(p), layout.PodOf(p), layout.AccountOf(p), layout.NodeOf(p));
        }

        for (var d = 0; d < layout.DoomedPods; d++)
        {
            Server.CreatePod(layout.NamespaceOf(d), $"doomed-{d}", layout.AccountOf(d), layout.NodeOf(d));
            Server.CreatePod(layout.NamespaceOf(d), $"phoenix-{d}", layout.AccountOf(d), layout.NodeOf(d));
        }

        return layout;
    }

    public async ValueTask DisposeAsync()
    {
        _floor?.Dispose();
        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var key in _ownedKeys)
        {
            key.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Which namespace, service account, pod and node the i-th token uses.</summary>
    private sealed class ObjectLayout(int accounts, int pods, int doomedPods)
    {
        public int DoomedPods => doomedPods;

        public string NamespaceOfAccount(int account) => Namespaces[account % Namespaces.Length];

        public string AccountOf(int i) => $"sa-{i % pods % accounts}";

        public string NamespaceOf(int i) => NamespaceOfAccount(i % pods % accounts);

        public string PodOf(int i) => $"pod-{i % pods}";

        public string NodeOf(int i) => $"node-{i % pods % 3}";

        public Task<string> RequestPodTokenAsync(KubernetesApiClient api, int i, long seconds, CancellationToken ct) =>
            CorpusBuilder.RequestTokenAsync(api, NamespaceOf(i), AccountOf(i), PodOf(i), seconds, ct);

        public Task<string> RequestDoomedTokenAsync(KubernetesApiClient api, string prefix, int i, CancellationToken ct) =>
            CorpusBuilder.RequestTokenAsync(api, NamespaceOf(i % doomedPods), AccountOf(i % doomedPods), $"{prefix}-{i % doomedPods}", 3600, ct);
    }
}
