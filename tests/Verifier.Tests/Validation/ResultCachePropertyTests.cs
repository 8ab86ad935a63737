using NUnit.Framework;
using Verifier.Keys;
using Verifier.Validation;
using Verifier.Testing.Tokens;

namespace Verifier.Tests.Validation;

/// <summary>
/// Issue 12's property test of the result cache: seeded random interleavings, on two threads, of verifications, key
/// publications, key removals and clock advances against the real <see cref="LocalVerification"/> and
/// <see cref="KeyStore"/> (in-memory key source, manual clock). Whatever the order, a verification that starts after a
/// key's removal was fetched (and ends before the key comes back) never succeeds with that key, and no verification
/// succeeds once its token is past <c>exp</c> + leeway.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ResultCachePropertyTests
{
    private const int StepsPerThread = 400;
    private static readonly TimeSpan Leeway = new ValidationOptions().ExpirationLeeway;
    private static readonly SigningKey[] Keys = [KubeTokens.Rsa, KubeTokens.Rsa2, KubeTokens.Ec256];

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(8)]
    public async Task VerifyAsync_RandomInterleavingsOfKeyChangesAndTime_NeverReturnsRemovedKeyOrExpiredResult(int seed)
    {
        using var harness = new VerifierHarness();
        var world = new World(harness);
        await world.PublishAsync(present: [true, true, true]);
        await harness.LoadAsync();

        // Each key signs tokens of several lifetimes, so clock advances expire them one by one.
        var tokens = new List<(string Token, int Key, long ExpiresUnix)>();
        for (var k = 0; k < Keys.Length; k++)
        {
            foreach (var lifetime in new[] { 120, 300, 600, 1200, 2400, 3600 })
            {
                tokens.Add((KubeTokens.Sign(Keys[k], KubeTokens.BoundClaims(lifetimeSeconds: lifetime)), k, KubeTokens.NowSeconds + lifetime));
            }
        }

        var violations = new List<string>();
        await Task.WhenAll(
            Task.Run(() => RunAsync(world, tokens, new Random((seed * 2) + 0), violations)),
            Task.Run(() => RunAsync(world, tokens, new Random((seed * 2) + 1), violations)));

        Assert.That(violations, Is.Empty);
    }

    private static async Task RunAsync(World world, List<(string Token, int Key, long ExpiresUnix)> tokens, Random random, List<string> violations)
    {
        for (var step = 0; step < StepsPerThread; step++)
        {
            var choice = random.Next(20);
            if (choice < 14)
            {
                var (token, key, expiresUnix) = tokens[random.Next(tokens.Count)];
                var startedAt = world.Harness.Time.GetUtcNow();
                var before = world.Version(key);
                var result = await world.Harness.VerifyAsync(token);
                var after = world.Version(key);
                if (!result.Succeeded)
                {
                    continue;
                }

                if (startedAt > DateTimeOffset.FromUnixTimeSeconds(expiresUnix) + Leeway)
                {
                    lock (violations)
                    {
                        violations.Add($"step {step}: a token that expired at {expiresUnix} (+ leeway) succeeded at {startedAt:O}");
                    }
                }

                // Absent before and after, and not published in between: the removal was fetched before the call.
                if (!before.Present && before == after)
                {
                    lock (violations)
                    {
                        violations.Add($"step {step}: key {key} was removed (fetched, version {before.Version}) but its token succeeded");
                    }
                }
            }
            else if (choice < 16)
            {
                await world.ChangeAsync(random.Next(Keys.Length), present: true);
            }
            else if (choice < 18)
            {
                await world.ChangeAsync(random.Next(Keys.Length), present: false);
            }
            else
            {
                world.Harness.Time.Advance(TimeSpan.FromSeconds(random.Next(1, 240)));
            }
        }
    }

    /// <summary>
    /// The published key set. A removal counts (its version moves) once the KeyStore has fetched it; a publication
    /// counts as soon as the document serves the key, since a refresh the test did not start may load it.
    /// </summary>
    private sealed class World(VerifierHarness harness)
    {
        private readonly SemaphoreSlim _changes = new(1, 1);
        private readonly bool[] _present = new bool[Keys.Length];
        private readonly long[] _versions = new long[Keys.Length];

        public VerifierHarness Harness => harness;

        public (bool Present, long Version) Version(int key)
        {
            lock (_present)
            {
                return (_present[key], _versions[key]);
            }
        }

        public async Task ChangeAsync(int key, bool present)
        {
            await _changes.WaitAsync();
            try
            {
                var next = (bool[])_present.Clone();
                next[key] = present;
                if (next.Contains(true))
                {
                    await PublishAsync(next);
                }
            }
            finally
            {
                _changes.Release();
            }
        }

        public async Task PublishAsync(bool[] present)
        {
            var published = new List<SigningKey>();
            for (var k = 0; k < Keys.Length; k++)
            {
                if (present[k])
                {
                    published.Add(Keys[k]);
                }
            }

            // A key being published counts as present from the moment the document serves it: any refresh from then
            // on may load it, an unknown-kid refresh of a verification on the other thread included. A removal counts
            // only once the store no longer holds the key (below).
            lock (_present)
            {
                for (var k = 0; k < Keys.Length; k++)
                {
                    if (present[k] && !_present[k])
                    {
                        _present[k] = true;
                        _versions[k]++;
                    }
                }
            }

            harness.Memory.Jwks = KubeTokens.Jwks([.. published]);

            // A refresh may join one a verification started (unknown kid) before the new document was served: fetch
            // until the store holds exactly the published set, so "fetched" means what the store serves.
            for (var attempt = 0; !StoreMatches(present); attempt++)
            {
                if (attempt == 10)
                {
                    throw new InvalidOperationException("The key store did not take the published key set.");
                }

                await harness.Store.RefreshAsync(KeyRefreshTrigger.Periodic).WaitAsync(TimeSpan.FromSeconds(30));
            }

            lock (_present)
            {
                for (var k = 0; k < Keys.Length; k++)
                {
                    if (!present[k] && _present[k])
                    {
                        _present[k] = false;
                        _versions[k]++;
                    }
                }
            }
        }

        private bool StoreMatches(bool[] present)
        {
            if (harness.Store.Current is not { } current)
            {
                return false;
            }

            for (var k = 0; k < Keys.Length; k++)
            {
                if (current.TryGetKeys(Keys[k].KeyId, out _) != present[k])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
