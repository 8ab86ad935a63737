namespace Verifier.Testing;

/// <summary>The faults <see cref="LocalApiServer"/> currently injects, per endpoint; settable at run time, thread-safe.</summary>
public sealed class ApiFaults
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ApiEndpoint, (ApiFault Fault, int? Remaining)> _faults = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set(ApiEndpoint endpoint, ApiFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fault.Times ?? 1, nameof(fault));
        lock (_lock)
        {
            _faults[endpoint] = (fault, fault.Times);
            SignalLocked();
        }
    }

    /// <summary>Applies <paramref name="fault"/> to the discovery document and the JWKS at once.</summary>
    public void SetKeyEndpoints(ApiFault fault)
    {
        Set(ApiEndpoint.OidcDiscovery, fault);
        Set(ApiEndpoint.Jwks, fault);
    }

    public void Clear(ApiEndpoint endpoint)
    {
        lock (_lock)
        {
            _faults.Remove(endpoint);
            SignalLocked();
        }
    }

    public void ClearAll()
    {
        lock (_lock)
        {
            _faults.Clear();
            SignalLocked();
        }
    }

    /// <summary>The fault currently set on <paramref name="endpoint"/>, or null.</summary>
    public ApiFault? Get(ApiEndpoint endpoint)
    {
        lock (_lock)
        {
            return _faults.TryGetValue(endpoint, out var f) ? f.Fault : null;
        }
    }

    /// <summary>Takes the fault for one request (counting down <see cref="ApiFault.Times"/>).</summary>
    internal ApiFault? Take(ApiEndpoint endpoint)
    {
        lock (_lock)
        {
            if (!_faults.TryGetValue(endpoint, out var f))
            {
                return null;
            }

            if (f.Remaining is { } remaining)
            {
                if (remaining <= 1)
                {
                    _faults.Remove(endpoint);
                }
                else
                {
                    _faults[endpoint] = (f.Fault, remaining - 1);
                }
            }

            return f.Fault;
        }
    }

    /// <summary>Completes at the next <see cref="Set"/> or clear after the call: open watch streams wait on it to see a new fault.</summary>
    internal Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    private void SignalLocked()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
