using System.Security.Cryptography.X509Certificates;

namespace Verifier.Cluster;

/// <summary>
/// The primary handler of a connection whose user is an exec credential plugin. A TLS client certificate is fixed per
/// connection, and the plugin may hand out a new one at any refresh, so this keeps one <see cref="SocketsHttpHandler"/>
/// per certificate: a request carrying a new certificate (set by <see cref="ClusterBearerTokenHandler"/> in
/// <see cref="CredentialOption"/>) switches to a fresh pool, as client-go drops its connections when the plugin's
/// certificate changes. Token-only plugins keep one pool for ever.
/// </summary>
internal sealed class ExecClientCertificateHandler : HttpMessageHandler
{
    /// <summary>The credential a request is sent with.</summary>
    public static readonly HttpRequestOptionsKey<ExecCredential> CredentialOption = new("Verifier.Cluster.ExecCredential");

    private readonly Func<X509Certificate2?, SocketsHttpHandler> _create;
    private readonly Lock _lock = new();
    private volatile Pool _current;

    // The pool before the current one: kept until the next switch so its in-flight requests finish (certificates
    // live for minutes to hours, far longer than a request), then disposed.
    private Pool? _retired;

    /// <param name="create">Builds a handler presenting the given client certificate (null: none).</param>
    public ExecClientCertificateHandler(Func<X509Certificate2?, SocketsHttpHandler> create)
    {
        _create = create;
        _current = new Pool(null, create(null));
    }

    /// <summary>The certificate the current pool presents; for tests.</summary>
    internal X509Certificate2? CurrentCertificate => _current.Certificate;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pool = _current;
        if (request.Options.TryGetValue(CredentialOption, out var credential) && !Same(credential.ClientCertificate, pool.Certificate))
        {
            pool = Switch(credential.ClientCertificate);
        }

        return pool.Invoker.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                _retired?.Handler.Dispose();
                _current.Handler.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private Pool Switch(X509Certificate2? certificate)
    {
        lock (_lock)
        {
            var current = _current;
            if (Same(certificate, current.Certificate))
            {
                return current;
            }

            _retired?.Handler.Dispose();
            _retired = current;
            var next = new Pool(certificate, _create(certificate));
            _current = next;
            return next;
        }
    }

    private static bool Same(X509Certificate2? a, X509Certificate2? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.RawDataMemory.Span.SequenceEqual(b.RawDataMemory.Span));

    private sealed class Pool(X509Certificate2? certificate, SocketsHttpHandler handler)
    {
        public X509Certificate2? Certificate { get; } = certificate;

        public SocketsHttpHandler Handler { get; } = handler;

        public HttpMessageInvoker Invoker { get; } = new(handler, disposeHandler: false);
    }
}
