using NUnit.Framework;

namespace Verifier.Tests;

/// <summary>Awaits a condition that another thread (a file watcher, a renewal) makes true, within a bounded time.</summary>
public static class Eventually
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what}: not within {Limit}");
            }

            await Task.Delay(10);
        }
    }
}
