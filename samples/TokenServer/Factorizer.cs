namespace TokenServer;

/// <summary>Prime factorisation by trial division: bounded work for the demo's bounded inputs.</summary>
public static class Factorizer
{
    /// <summary>Largest accepted n: trial division then needs at most 10^6 steps.</summary>
    public const long MaxN = 1_000_000_000_000;

    /// <summary>The prime factors of <paramref name="n"/> in ascending order, with multiplicity (12 → 2, 2, 3); empty for 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When n is below 1 or above <see cref="MaxN"/>.</exception>
    public static IReadOnlyList<long> Factor(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxN);
        var factors = new List<long>();
        for (long p = 2; p * p <= n; p += p == 2 ? 1 : 2)
        {
            while (n % p == 0)
            {
                factors.Add(p);
                n /= p;
            }
        }

        if (n > 1)
        {
            factors.Add(n);
        }

        return factors;
    }
}
