namespace Verifier.Testing.Server;

/// <summary>The forms a list or watch can be served in, chosen from the <c>Accept</c> header.</summary>
internal enum Representation
{
    /// <summary>The objects themselves (<c>application/json</c>).</summary>
    Full,

    /// <summary><c>as=PartialObjectMetadata;g=meta.k8s.io;v=v1</c>: one object's metadata (watch events, get).</summary>
    PartialObjectMetadata,

    /// <summary><c>as=PartialObjectMetadataList;g=meta.k8s.io;v=v1</c>: a list of metadata.</summary>
    PartialObjectMetadataList,

    /// <summary><c>as=Table;g=meta.k8s.io;v=v1</c> (kubectl get).</summary>
    Table,
}
