namespace Verifier.Testing.Server;

/// <summary>The namespace, name, field selector and label selector of a list or watch, as one predicate.</summary>
internal static class ObjectFilter
{
    /// <summary>The predicate, or the 400 kube-apiserver answers for a selector it cannot parse or a field it does not index.</summary>
    public static (Func<ApiObject, bool>? Filter, ApiError? Error) Build(ResourceKind kind, string? @namespace, string name, string fieldSelector, string labelSelector)
    {
        var fields = new List<(string Field, bool Equal, string Value)>();
        if (name.Length > 0)
        {
            // A watch on one object is a field selector on its name.
            fields.Add(("metadata.name", true, name));
        }

        foreach (var term in fieldSelector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (field, equal, value, ok) = ParseTerm(term);
            if (!ok)
            {
                return (null, ApiError.BadRequest($"invalid selector: '{fieldSelector}'; can't understand '{term}'"));
            }

            if (field is not ("metadata.name" or "metadata.namespace") && kind.Field(Placeholder, field) is null)
            {
                // kube-apiserver: only indexed fields are selectable, per resource.
                return (null, ApiError.BadRequest($"field label not supported: {field}"));
            }

            fields.Add((field, equal, value));
        }

        var (labels, labelError) = LabelFilter(labelSelector);
        if (labelError is not null)
        {
            return (null, labelError);
        }

        return (o =>
        {
            if (o.Resource != kind.Resource || (@namespace is not null && o.Namespace != @namespace))
            {
                return false;
            }

            foreach (var (field, equal, value) in fields)
            {
                var actual = field switch
                {
                    "metadata.name" => o.Name,
                    "metadata.namespace" => o.Namespace ?? "",
                    _ => kind.Field(o, field) ?? "",
                };
                if ((actual == value) != equal)
                {
                    return false;
                }
            }

            return labels(o.Labels);
        }, null);
    }

    /// <summary>The one place list and watch parse label selectors: 400 with the parser's message when it fails.</summary>
    private static (Func<IReadOnlyDictionary<string, string>, bool> Matches, ApiError? Error) LabelFilter(string selector)
    {
        try
        {
            var parsed = LabelSelector.Parse(selector);
            return (parsed.Matches, null);
        }
        catch (FormatException e)
        {
            return (_ => false, ApiError.BadRequest(e.Message));
        }
    }

    private static (string Field, bool Equal, string Value, bool Ok) ParseTerm(string term)
    {
        foreach (var (op, equal) in Operators)
        {
            var i = term.IndexOf(op, StringComparison.Ordinal);
            if (i > 0)
            {
                return (term[..i].Trim(), equal, term[(i + op.Length)..].Trim(), true);
            }
        }

        return ("", false, "", false);
    }

    private static readonly (string Op, bool Equal)[] Operators = [("!=", false), ("==", true), ("=", true)];

    // Probes whether a resource supports a field label, without an object at hand.
    private static readonly ApiObject Placeholder = new NodeObject("", "", default);
}
