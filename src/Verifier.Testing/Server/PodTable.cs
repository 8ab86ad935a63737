using System.Text;

namespace Verifier.Testing.Server;

/// <summary>
/// The server-side Table (meta.k8s.io/v1) kubectl asks for on <c>kubectl get pods</c>: the columns of
/// pkg/printers/internalversion for pods, with each row's object as PartialObjectMetadata.
/// </summary>
internal static class PodTable
{
    private const string Columns =
        "[{\"name\":\"Name\",\"type\":\"string\",\"format\":\"name\",\"description\":\"Name must be unique within a namespace.\",\"priority\":0}," +
        "{\"name\":\"Ready\",\"type\":\"string\",\"format\":\"\",\"description\":\"The aggregate readiness state of this pod for accepting traffic.\",\"priority\":0}," +
        "{\"name\":\"Status\",\"type\":\"string\",\"format\":\"\",\"description\":\"The aggregate status of the containers in this pod.\",\"priority\":0}," +
        "{\"name\":\"Restarts\",\"type\":\"string\",\"format\":\"\",\"description\":\"The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.\",\"priority\":0}," +
        "{\"name\":\"Age\",\"type\":\"string\",\"format\":\"\",\"description\":\"CreationTimestamp is a timestamp representing the server time when this object was created.\",\"priority\":0}," +
        "{\"name\":\"IP\",\"type\":\"string\",\"format\":\"\",\"description\":\"podIP is an IP address allocated to the pod.\",\"priority\":1}," +
        "{\"name\":\"Node\",\"type\":\"string\",\"format\":\"\",\"description\":\"NodeName indicates in which node this pod is scheduled.\",\"priority\":1}]";

    /// <summary>True when the Accept header asks for <c>as=Table</c>.</summary>
    public static bool Requested(string? accept) => ObjectTable.Requested(accept);

    /// <param name="pods">The rows.</param>
    /// <param name="resourceVersion">The list's version.</param>
    /// <param name="now">For the Age column.</param>
    /// <param name="includeColumns">False for watch events after the first.</param>
    public static string Render(IEnumerable<PodObject> pods, long resourceVersion, DateTimeOffset now, bool includeColumns = true) =>
        ObjectTable.Render(Columns, pods.Select(p => ((ApiObject)p, Cells(p, now))), resourceVersion, includeColumns);

    private static string Cells(PodObject p, DateTimeOffset now)
    {
        var containers = Math.Max(1, p.Containers.Count);
        var running = p.NodeName is not null;
        var status = p.DeletionTimestamp is not null ? "Terminating" : running ? "Running" : "Pending";
        return new StringBuilder().AppendString(p.Name)
            .Append(',').AppendString($"{(running ? containers : 0)}/{containers}")
            .Append(',').AppendString(status)
            .Append(",0,").AppendString(HumanDuration(now - p.CreationTimestamp))
            .Append(",\"<none>\",").AppendString(p.NodeName ?? "<none>")
            .ToString();
    }

    /// <summary>k8s.io/apimachinery/pkg/util/duration.HumanDuration.</summary>
    internal static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < 0)
        {
            return "<invalid>";
        }

        if (seconds < 60 * 2)
        {
            return $"{seconds}s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }

        if (minutes < 60 * 3)
        {
            return $"{minutes}m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }

        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = (hours / 24) % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }

        return $"{hours / 24 / 365}y";
    }
}
