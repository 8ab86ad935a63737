using NUnit.Framework;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Verifier;
using Verifier.Testing;

namespace Verifier.Tests.Hosting;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class VerifierStartupGateTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly FakeVerifier _verifier = FakeVerifier.Canned();
    private readonly ManualTimeProvider _time = new();
    private IHost _host = null!;

    [TearDown]
    public async Task TearDown()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private IHost Build(Action<Verifier.Hosting.KubernetesTokenVerifierStartupOptions> configure)
    {
        _verifier.Status = new VerifierStatus { Mode = VerificationMode.Local, IsReady = false, LastKeyRefreshError = "connection refused" };
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IServiceAccountTokenVerifier>(_verifier);
        builder.Services.AddKubernetesTokenVerifierStartup(configure);
        _host = builder.Build();
        return _host;
    }

    private Task WaitForGateTimerAsync() =>
        Eventually.WaitUntil(() => _time.ActiveTimerCount > 0, "the startup gate's timer", Bound);

    [Test]
    public async Task Start_DefaultOptions_StartsDegradedWithoutWaiting()
    {
        var host = Build(_ => { });

        await host.StartAsync().WaitAsync(Bound);

        Assert.That(_verifier.GetStatus().IsReady, Is.False);
    }

    [Test]
    public async Task Start_WaitUntilReady_CompletesOnlyOnceReady()
    {
        var host = Build(o => o.WaitUntilReady = true);

        var start = host.StartAsync();
        await WaitForGateTimerAsync();
        var finishedEarly = start.IsCompleted;
        _verifier.MarkReady();
        await start.WaitAsync(Bound);

        Assert.That(finishedEarly, Is.False);
    }

    [Test]
    public async Task Start_WaitUntilReady_TimeoutFailsStartupWithHowToFix()
    {
        var host = Build(o =>
        {
            o.WaitUntilReady = true;
            o.ReadyTimeout = TimeSpan.FromSeconds(20);
        });

        var start = host.StartAsync();
        await WaitForGateTimerAsync();
        _time.Advance(TimeSpan.FromSeconds(20));

        Assert.That(async () => await start.WaitAsync(Bound),
            Throws.InstanceOf<TimeoutException>().With.Message.Contains("connection refused").And.Message.Contains("FailOnTimeout"));
    }

    [Test]
    public async Task Start_WaitUntilReadyWithoutFailOnTimeout_StartsDegradedAfterTimeout()
    {
        var host = Build(o =>
        {
            o.WaitUntilReady = true;
            o.FailOnTimeout = false;
        });

        var start = host.StartAsync();
        await WaitForGateTimerAsync();
        _time.Advance(TimeSpan.FromSeconds(30));

        await start.WaitAsync(Bound);
        Assert.That(start.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void Start_NonPositiveTimeout_FailsValidation()
    {
        var host = Build(o => o.ReadyTimeout = TimeSpan.Zero);

        Assert.That(async () => await host.StartAsync(), Throws.InstanceOf<Microsoft.Extensions.Options.OptionsValidationException>().With.Message.Contains("ReadyTimeout"));
    }
}
