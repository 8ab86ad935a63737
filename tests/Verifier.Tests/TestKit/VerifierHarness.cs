using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Verifier.Diagnostics;
using Verifier.Keys;
using Verifier.Testing;
using Verifier.Validation;

namespace Verifier.Tests.TestKit;

/// <summary>The verifier in Local mode (<see cref="TokenVerifier"/> around <see cref="LocalVerification"/>) over a KeyStore over a key source, on a manual clock.</summary>
internal sealed class VerifierHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public VerifierHarness(IKeySource? source = null, Action<KubernetesTokenVerifierOptions>? configure = null, ILoggerFactory? loggers = null)
    {
        var options = new KubernetesTokenVerifierOptions { Audiences = [KubeTokens.Audience], Mode = VerificationMode.Local };
        configure?.Invoke(options);
        Options = options;
        Source = source ?? new InMemoryKeySource();
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Metrics = new VerifierMetrics(_services.GetRequiredService<IMeterFactory>(), Time);
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        loggers ??= NullLoggerFactory.Instance;
        Store = new KeyStore(Source, wrapped, Time, Metrics, loggers.CreateLogger<KeyStore>());
        Hasher = new TokenHasher(wrapped);
        Local = new LocalVerification(Store, Hasher, wrapped, Time, Metrics);
        Verifier = new TokenVerifier(Local, VerificationMode.Local, options.Validation, Hasher, Time, Metrics, loggers.CreateLogger<TokenVerifier>());
    }

    public ManualTimeProvider Time { get; } = new(KubeTokens.Now);

    public KubernetesTokenVerifierOptions Options { get; }

    public IKeySource Source { get; }

    public InMemoryKeySource Memory => (InMemoryKeySource)Source;

    public VerifierMetrics Metrics { get; }

    public KeyStore Store { get; }

    public TokenHasher Hasher { get; }

    /// <summary>The Local strategy, for its cache.</summary>
    public LocalVerification Local { get; }

    public TokenVerifier Verifier { get; }

    public async Task<VerifierHarness> LoadAsync()
    {
        var loaded = await Store.RefreshAsync(KeyRefreshTrigger.Startup).WaitAsync(TimeSpan.FromSeconds(30));
        if (!loaded)
        {
            throw new InvalidOperationException("The key set did not load: " + Store.GetStatus(VerificationMode.Local).LastKeyRefreshError);
        }

        return this;
    }

    public Task<TokenVerificationResult> VerifyAsync(string token, CancellationToken cancellationToken = default) =>
        Verifier.VerifyAsync(token, cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

    public void Dispose()
    {
        Verifier.Dispose();
        Store.Dispose();
        _services.Dispose();
    }
}
