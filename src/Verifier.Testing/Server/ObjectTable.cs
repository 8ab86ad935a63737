using System.Globalization;
using System.Text;

namespace Verifier.Testing.Server;

/// <summary>
/// The server-side Table (meta.k8s.io/v1) that <c>kubectl get</c> asks for (<c>Accept: application/json;as=Table;…</c>):
/// column definitions, then one row per object with its cells and the object as PartialObjectMetadata. Watches
/// send one single-row Table per event, with the column definitions only on the first, as kube-apiserver does.
/// </summary>
internal static class ObjectTable
{
    /// <summary>The content type of a Table response.</summary>
    public const string ContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    /// <summary>True when the Accept header asks for <c>as=Table</c>.</summary>
    public static bool Requested(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal) && accept.Contains("g=meta.k8s.io", StringComparison.Ordinal);

    /// <summary>One column definition as the printers declare it.</summary>
    public static string Column(string name, string description, int priority = 0, string format = "") =>
        new StringBuilder("{\"name\":").AppendString(name).Append(",\"type\":\"string\",\"format\":").AppendString(format)
            .Append(",\"description\":").AppendString(description).Append(",\"priority\":").Append(priority.ToString(CultureInfo.InvariantCulture)).Append('}').ToString();

    /// <param name="columns">The JSON array of column definitions.</param>
    /// <param name="rows">Each object with its cells already as JSON values, comma-separated.</param>
    /// <param name="resourceVersion">The list's version.</param>
    /// <param name="includeColumns">False for the watch events after the first (<c>columnDefinitions: null</c>).</param>
    public static string Render(string columns, IEnumerable<(ApiObject Object, string Cells)> rows, long resourceVersion, bool includeColumns = true)
    {
        var sb = new StringBuilder("{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"")
            .Append(resourceVersion.ToString(CultureInfo.InvariantCulture))
            .Append("\"},\"columnDefinitions\":").Append(includeColumns ? columns : "null").Append(",\"rows\":[");
        var first = true;
        foreach (var (o, cells) in rows)
        {
            sb.Append(first ? "" : ",");
            first = false;
            sb.Append("{\"cells\":[").Append(cells)
              .Append("],\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"name\":").AppendString(o.Name);
            if (o.Namespace is not null)
            {
                sb.Append(",\"namespace\":").AppendString(o.Namespace);
            }

            sb.Append(",\"uid\":").AppendString(o.Uid)
              .Append(",\"resourceVersion\":\"").Append(o.ResourceVersion.ToString(CultureInfo.InvariantCulture))
              .Append("\",\"creationTimestamp\":\"").Append(GoJson.Rfc3339(o.CreationTimestamp)).Append('"');
            if (o.DeletionTimestamp is { } deleted)
            {
                sb.Append(",\"deletionTimestamp\":\"").Append(GoJson.Rfc3339(deleted)).Append("\",\"deletionGracePeriodSeconds\":")
                  .Append((o.DeletionGracePeriodSeconds ?? 0).ToString(CultureInfo.InvariantCulture));
            }

            if (o.Labels.Count > 0)
            {
                sb.Append(",\"labels\":{");
                var firstLabel = true;
                foreach (var (key, value) in o.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    sb.Append(firstLabel ? "" : ",").AppendString(key).Append(':').AppendString(value);
                    firstLabel = false;
                }

                sb.Append('}');
            }

            sb.Append("}}}");
        }

        return sb.Append("]}").ToString();
    }

    /// <summary>A string cell.</summary>
    public static string Cell(string value) => new StringBuilder().AppendString(value).ToString();
}
