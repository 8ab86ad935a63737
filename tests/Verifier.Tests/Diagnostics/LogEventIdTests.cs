using System.Reflection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using Verifier.AspNetCore.Authentication;

namespace Verifier.Tests.Diagnostics;

/// <summary>
/// One event id and one event name per log message (issue 10, "an honest public surface"): a dashboard or a log
/// filter that keys on either finds exactly one message. Read from the <see cref="LoggerMessageAttribute"/>s the
/// source generator compiled from, in both library assemblies.
/// </summary>
public sealed class LogEventIdTests
{
    private static readonly Assembly[] Libraries = [typeof(IServiceAccountTokenVerifier).Assembly, typeof(KubernetesServiceAccountDefaults).Assembly];

    [Test]
    public void LoggerMessages_EachHasItsOwnEventIdAndEventName()
    {
        var messages = OwnMessages().ToList();

        Assert.That(messages, Has.Count.GreaterThan(30), "the reflection finds the library's messages");
        Assert.Multiple(() =>
        {
            foreach (var group in messages.GroupBy(m => m.Attribute.EventId).Where(g => g.Count() > 1))
            {
                Assert.Fail($"event id {group.Key} is used by {string.Join(", ", group.Select(m => m.Where))}");
            }

            foreach (var group in messages.GroupBy(m => m.Attribute.EventName ?? m.Method.Name).Where(g => g.Count() > 1))
            {
                Assert.Fail($"event name {group.Key} is used by {string.Join(", ", group.Select(m => m.Where))}");
            }
        });
    }

    /// <summary>
    /// The library's own messages. <c>RedactingHttpClientLogger</c> is left out on purpose: it re-emits
    /// IHttpClientFactory's request-logging events under their own ids and names (100–103), so filters written for
    /// the framework's logging keep working.
    /// </summary>
    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute, string Where)> OwnMessages() =>
        from assembly in Libraries
        from type in assembly.GetTypes()
        where type.Name != "RedactingHttpClientLogger"
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (method, attribute, $"{type.Name}.{method.Name}");
}
