namespace Bench.Compare;

/// <summary>The compare command's exit codes, one per kind of outcome (listed in <see cref="CompareOptions.Usage"/>).</summary>
internal static class CompareExitCode
{
    /// <summary>Every verdict agrees with TokenReview where it is meant to. Missed speed targets do not change it.</summary>
    public const int Agreement = 0;

    /// <summary>An unexplained disagreement with TokenReview: the only outcome of the run itself that fails it.</summary>
    public const int Disagreement = 1;

    public const int Usage = 2;

    /// <summary><c>--kubeconfig</c>, <c>--context</c> or <c>--in-cluster</c> cannot be used.</summary>
    public const int ClusterConfiguration = 3;

    /// <summary><c>--out</c> or <c>--json</c> cannot be written.</summary>
    public const int OutputNotWritable = 4;

    /// <summary>The API server is unreachable, or refuses the credential or a request the run needs.</summary>
    public const int ApiServer = 6;

    /// <summary><c>--namespace</c> does not exist.</summary>
    public const int NamespaceMissing = 7;

    public const int Interrupted = 130;
}
