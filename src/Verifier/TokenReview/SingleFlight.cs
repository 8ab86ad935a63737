using System.Collections.Concurrent;

namespace Verifier.TokenReview;

/// <summary>
/// At most one running operation per key: callers that arrive while one runs share its task. The operation never
/// sees a caller's cancellation token (shared work has its own timeout, so one caller giving up cannot fail the others); callers stop waiting with
/// <see cref="Task.WaitAsync(CancellationToken)"/>.
/// </summary>
internal sealed class SingleFlight<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Task<TValue>> _flights = new();

    /// <summary>Operations running now.</summary>
    public int Count => _flights.Count;

    /// <summary>
    /// Joins the operation running for <paramref name="key"/>, or starts <paramref name="operation"/> with
    /// <paramref name="state"/>. The operation should re-check any cache first: a caller may miss the cache just
    /// before an earlier flight fills it and then start a new flight after that one ended.
    /// </summary>
    public Task<TValue> RunAsync<TState>(TKey key, TState state, Func<TState, Task<TValue>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (_flights.TryGetValue(key, out var running))
        {
            return running;
        }

        var completion = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        var winner = _flights.GetOrAdd(key, completion.Task);
        if (winner != completion.Task)
        {
            return winner;
        }

        _ = RunAndForgetAsync(key, completion, state, operation);
        return completion.Task;
    }

    private async Task RunAndForgetAsync<TState>(TKey key, TaskCompletionSource<TValue> completion, TState state, Func<TState, Task<TValue>> operation)
    {
        try
        {
            completion.SetResult(await operation(state).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // The exception is handed to every waiter through the shared task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            completion.SetException(ex);
        }
        finally
        {
            // Removed after completion: a caller arriving in between gets the finished result, which is fresh.
            _flights.TryRemove(new KeyValuePair<TKey, Task<TValue>>(key, completion.Task));
        }
    }
}
