using System.Collections.Immutable;
using System.Security.Cryptography;

namespace Verifier.Testing.Tokens;

/// <summary>
/// Which keys an <see cref="ExternalSignerOptions"/> signer publishes and signs with at a given instant, computed from
/// the clock (no timers: a manual clock moved by an hour lands on the right keys at once). Keys are made on first use.
/// </summary>
internal sealed class ExternalSignerSchedule
{
    // Characters of the opaque kids: never the SHA-256 derivation kube uses for key files (docs/kube-apiserver.md §9.1),
    // and not all base64url either; none needs escaping in JSON.
    private const string KeyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/+=@!$*";

    private readonly ExternalSignerOptions _options;
    private readonly DateTimeOffset _start;
    private readonly List<SigningKey> _keys = [];
    private readonly Lock _lock = new();

    public ExternalSignerSchedule(ExternalSignerOptions options, DateTimeOffset start)
    {
        _options = options;
        _start = start;
    }

    /// <exception cref="ArgumentException">For settings that make no schedule.</exception>
    public static void Validate(ExternalSignerOptions options)
    {
        if (options.RotationInterval <= TimeSpan.Zero || options.SigningDelay < TimeSpan.Zero || options.SigningDelay >= options.RotationInterval || options.RetireAfter < TimeSpan.Zero)
        {
            throw new ArgumentException("ExternalSigner: RotationInterval must be positive, SigningDelay in [0, RotationInterval), RetireAfter not negative.", nameof(options));
        }

        if (options.KeyIdLength is < 1 or > 1024)
        {
            throw new ArgumentException("ExternalSigner: KeyIdLength must be between 1 and 1024 (docs/kube-apiserver.md §9.1).", nameof(options));
        }

        if (options.Algorithms.Count == 0 || options.Algorithms.Any(a => a is not ("RS256" or "ES256" or "ES384" or "ES512")))
        {
            throw new ArgumentException("ExternalSigner: Algorithms must be a non-empty list of RS256, ES256, ES384, ES512.", nameof(options));
        }
    }

    /// <summary>The signing key, the published keys (oldest first) and the next key sync, at <paramref name="now"/>.</summary>
    public (SigningKey Signing, ImmutableArray<SigningKey> Published, DateTimeOffset NextSync, (long, long, long) Epoch) At(DateTimeOffset now)
    {
        var r = _options.RotationInterval;
        var d = _options.SigningDelay;
        var elapsed = now < _start ? TimeSpan.Zero : now - _start;
        var newest = elapsed.Ticks / r.Ticks;
        var signing = newest == 0 || elapsed >= (r * newest) + d ? newest : newest - 1;

        // Key k stops signing at start + (k+1)·R + D, and is retired RetireAfter later.
        var published = ImmutableArray.CreateBuilder<SigningKey>();
        var oldest = newest;
        for (var k = Math.Max(0, signing - 1); k >= 0; k--)
        {
            if (Retirement(k) <= now)
            {
                break;
            }

            oldest = k;
        }

        oldest = Math.Min(oldest, signing);
        var next = _start + (r * (newest + 1));
        if (signing < newest)
        {
            next = Min(next, _start + (r * newest) + d);
        }

        for (var k = oldest; k <= newest; k++)
        {
            published.Add(Key(k));
            if (k < signing)
            {
                next = Min(next, Retirement(k));
            }
        }

        // Epoch changes whenever the published set or the signer does.
        return (Key(signing), published.ToImmutable(), next, (newest, signing, oldest));
    }

    private DateTimeOffset Retirement(long k) => _start + (_options.RotationInterval * (k + 1)) + _options.SigningDelay + _options.RetireAfter;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private SigningKey Key(long index)
    {
        lock (_lock)
        {
            while (_keys.Count <= index)
            {
                var alg = _options.Algorithms[_keys.Count % _options.Algorithms.Count];
                var kid = RandomNumberGenerator.GetString(KeyIdAlphabet, _options.KeyIdLength);
                _keys.Add(alg switch
                {
                    "RS256" => SigningKey.CreateRsa(keyId: kid, typedHeader: true),
                    "ES384" => SigningKey.CreateEc(384, kid, typedHeader: true),
                    "ES512" => SigningKey.CreateEc(521, kid, typedHeader: true),
                    _ => SigningKey.CreateEc(256, kid, typedHeader: true),
                });
            }

            return _keys[(int)index];
        }
    }
}
