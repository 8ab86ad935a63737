namespace Bench.Fleet;

/// <summary>The run cannot go on (a verifier never became ready); the message is the one line the command prints.</summary>
internal sealed class FleetRunException(string message) : Exception(message);
