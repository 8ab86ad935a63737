namespace Verifier.Tests.Testing;

internal sealed record KubectlResult(int ExitCode, string Stdout, string Stderr);
