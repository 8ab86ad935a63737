using System.Text;
using Microsoft.Extensions.Options;

namespace Verifier.Keys;

/// <summary>
/// Keys from a JWKS or PEM file: fully offline. Re-read when a <see cref="FileSystemWatcher"/> on its directory
/// reports a change (the whole directory, because Kubernetes updates ConfigMap and Secret volumes by swapping a
/// <c>..data</c> symlink, not by writing the file), and on every periodic refresh, where an unchanged
/// modification time and length skip the parse.
/// </summary>
internal sealed class StaticFileKeySource : IKeySource
{
    private readonly string _path;
    private readonly int _maxBytes;
    private (DateTime WriteTimeUtc, long Length, KeyMaterial Material)? _last;
    private int _changeSignalled;

    public StaticFileKeySource(IOptions<KubernetesTokenVerifierOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = Path.GetFullPath(options.Value.Keys.StaticFilePath ?? throw new InvalidOperationException("Verifier:Keys:StaticFilePath is not set."));
        _maxBytes = options.Value.Keys.MaxResponseBytes;
    }

    public string Description => "file " + _path;

    public async Task<KeyMaterial> FetchAsync(CancellationToken cancellationToken)
    {
        FileInfo info;
        try
        {
            info = new FileInfo(_path);
            if (!info.Exists)
            {
                throw new KeyFetchException($"The key file {_path} does not exist (Verifier:Keys:StaticFilePath).");
            }

            // Follow a symlink (ConfigMap volumes) so the timestamps are the target's.
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
            {
                info = target;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyFetchException($"The key file {_path} cannot be read: {ex.Message}", ex);
        }

        // A watcher event always re-reads: a rewrite within the timestamp granularity can keep time and length.
        var signalled = Interlocked.Exchange(ref _changeSignalled, 0) == 1;
        var last = _last;
        if (!signalled && last is { } previous && previous.WriteTimeUtc == info.LastWriteTimeUtc && previous.Length == info.Length)
        {
            return previous.Material;
        }

        if (info.Length > _maxBytes)
        {
            throw new KeyFetchException($"The key file {_path} has {info.Length} bytes, more than the limit of {_maxBytes} (Verifier:Keys:MaxResponseBytes).");
        }

        string text;
        try
        {
            var bytes = await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
            if (bytes.Length > _maxBytes)
            {
                throw new KeyFetchException($"The key file {_path} has more than the limit of {_maxBytes} bytes (Verifier:Keys:MaxResponseBytes).");
            }

            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new KeyFetchException($"The key file {_path} cannot be read: {ex.Message}", ex);
        }

        var (keys, skipped) = text.AsSpan().TrimStart().StartsWith('{')
            ? JwksParser.Parse(text)
            : text.Contains("-----BEGIN", StringComparison.Ordinal)
                ? PemPublicKeyReader.Read(text)
                : throw new KeyFetchException($"The key file {_path} is neither a JWKS ({{\"keys\":[...]}}) nor PEM.");

        var material = new KeyMaterial(null, keys, skipped, _path);
        if (keys.Count > 0)
        {
            _last = (info.LastWriteTimeUtc, info.Length, material);
        }

        return material;
    }

    public IDisposable? Watch(Action onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        var directory = Path.GetDirectoryName(_path);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return null;
        }

        var watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        void Signal()
        {
            Volatile.Write(ref _changeSignalled, 1);
            onChange();
        }

        watcher.Changed += (_, _) => Signal();
        watcher.Created += (_, _) => Signal();
        watcher.Deleted += (_, _) => Signal();
        watcher.Renamed += (_, _) => Signal();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
