namespace Verifier.Keys;

/// <summary>Fetches the current public keys from one kind of source (<see cref="KeySourceKind"/>).</summary>
internal interface IKeySource
{
    /// <summary>For logs and status: a URL or a path.</summary>
    string Description { get; }

    /// <summary>Fetches and parses the keys. Individual unusable keys are reported in <see cref="KeyMaterial.Skipped"/>.</summary>
    /// <exception cref="KeyFetchException">When the source cannot be read or its documents are not valid.</exception>
    Task<KeyMaterial> FetchAsync(CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="onChange"/> when the source signals a change (files); null when it cannot.</summary>
    IDisposable? Watch(Action onChange);
}
