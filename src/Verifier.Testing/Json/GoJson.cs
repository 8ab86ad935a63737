using System.Globalization;
using System.Text;

namespace Verifier.Testing.Json;

/// <summary>
/// Hand-written JSON for the documents that must match kube-apiserver byte for byte (discovery, claims): strings
/// are escaped as Go's <c>encoding/json</c> does (<c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, U+2028/2029 as <c>\u00xx</c>).
/// </summary>
internal static class GoJson
{
    public static StringBuilder AppendString(this StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            if (TryAppendShortEscape(sb, c))
            {
                continue;
            }

            switch (c)
            {
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"');
    }

    /// <summary><c>["a","b"]</c>.</summary>
    public static StringBuilder AppendStringArray(this StringBuilder sb, IEnumerable<string> values)
    {
        sb.Append('[');
        var first = true;
        foreach (var v in values)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.AppendString(v);
        }

        return sb.Append(']');
    }

    /// <summary>Go's <c>%q</c> of a <c>[]string</c>: <c>["a" "b"]</c>.</summary>
    public static string QuoteList(IEnumerable<string> values)
    {
        var sb = new StringBuilder("[");
        var first = true;
        foreach (var v in values)
        {
            if (!first)
            {
                sb.Append(' ');
            }

            first = false;
            sb.Append(Quote(v));
        }

        return sb.Append(']').ToString();
    }

    /// <summary>Go's <c>%q</c> of a string (printable ASCII kept, the rest escaped).</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (TryAppendShortEscape(sb, c))
            {
                continue;
            }

            switch (c)
            {
                case < ' ' or '\u007f': sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>metav1.Time: RFC 3339, UTC, whole seconds.</summary>
    public static string Rfc3339(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The two-character escapes Go's JSON encoder and <c>%q</c> share.</summary>
    private static bool TryAppendShortEscape(StringBuilder sb, char c)
    {
        var escape = c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ => null,
        };
        if (escape is null)
        {
            return false;
        }

        sb.Append(escape);
        return true;
    }
}
