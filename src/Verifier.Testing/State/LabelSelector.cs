using System.Globalization;

namespace Verifier.Testing.State;

/// <summary>
/// A <c>labelSelector</c> as k8s.io/apimachinery/pkg/labels parses it: comma-separated requirements, all of which
/// must hold. Equality (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>), sets (<c>a in (x,y)</c>, <c>a notin (x,y)</c>),
/// existence (<c>a</c>, <c>!a</c>) and integer comparison (<c>a&gt;1</c>, <c>a&lt;1</c>). The empty selector
/// matches everything.
/// </summary>
internal sealed class LabelSelector
{
    public static readonly LabelSelector Everything = new([]);

    private readonly Requirement[] _requirements;

    private LabelSelector(Requirement[] requirements) => _requirements = requirements;

    public bool IsEmpty => _requirements.Length == 0;

    /// <exception cref="FormatException">With the parser's message, e.g. <c>unable to parse requirement: found 'b', expected: '('</c>.</exception>
    public static LabelSelector Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return Everything;
        }

        return new LabelSelector([.. new Parser(selector).ParseAll()]);
    }

    /// <summary>True when every requirement holds for <paramref name="labels"/> (null: no labels).</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var r in _requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan,
    }

    private sealed record Requirement(string Key, Operator Op, string[] Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string>? labels)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(Key, out value);
            return Op switch
            {
                Operator.Equals or Operator.In => has && Values.Contains(value, StringComparer.Ordinal),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(value, StringComparer.Ordinal),
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                Operator.GreaterThan => has && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var gt) && gt > long.Parse(Values[0], CultureInfo.InvariantCulture),
                Operator.LessThan => has && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lt) && lt < long.Parse(Values[0], CultureInfo.InvariantCulture),
                _ => false,
            };
        }
    }

    private enum TokenKind
    {
        End,
        Identifier,
        DoesNotExist,
        Equals,
        DoubleEquals,
        NotEquals,
        In,
        NotIn,
        GreaterThan,
        LessThan,
        Comma,
        Open,
        Close,
    }

    /// <summary>The lexer and recursive-descent parser of labels/selector.go, with its error texts.</summary>
    private sealed class Parser(string input)
    {
        private readonly List<(TokenKind Kind, string Text)> _tokens = Lex(input);
        private int _position;

        public List<Requirement> ParseAll()
        {
            var requirements = new List<Requirement>();
            while (true)
            {
                var (kind, text) = Peek();
                switch (kind)
                {
                    case TokenKind.Identifier or TokenKind.DoesNotExist:
                        requirements.Add(ParseRequirement());
                        var (next, nextText) = Next();
                        if (next == TokenKind.End)
                        {
                            return requirements;
                        }

                        if (next != TokenKind.Comma)
                        {
                            throw new FormatException($"found '{nextText}', expected: ',' or 'end of string'");
                        }

                        if (Peek().Kind is not (TokenKind.Identifier or TokenKind.DoesNotExist))
                        {
                            throw new FormatException($"found '{Peek().Text}', expected: identifier after ','");
                        }

                        break;
                    case TokenKind.End:
                        return requirements;
                    default:
                        throw new FormatException($"found '{text}', expected: !, identifier, or 'end of string'");
                }
            }
        }

        private Requirement ParseRequirement()
        {
            var (kind, text) = Next();
            if (kind == TokenKind.DoesNotExist)
            {
                var (keyKind, key) = Next();
                if (keyKind != TokenKind.Identifier)
                {
                    throw Unable($"found '{key}', expected: identifier");
                }

                return new Requirement(ValidKey(key), Operator.DoesNotExist, []);
            }

            var name = ValidKey(text);
            if (Peek().Kind is TokenKind.End or TokenKind.Comma)
            {
                return new Requirement(name, Operator.Exists, []);
            }

            var (opKind, opText) = Next();
            var op = opKind switch
            {
                TokenKind.Equals or TokenKind.DoubleEquals => Operator.Equals,
                TokenKind.NotEquals => Operator.NotEquals,
                TokenKind.In => Operator.In,
                TokenKind.NotIn => Operator.NotIn,
                TokenKind.GreaterThan => Operator.GreaterThan,
                TokenKind.LessThan => Operator.LessThan,
                _ => throw Unable($"found '{opText}', expected: {string.Join(", ", "!=", "=", "==", "<", ">", "in", "notin")}"),
            };

            if (op is Operator.In or Operator.NotIn)
            {
                var (open, openText) = Next();
                if (open != TokenKind.Open)
                {
                    throw Unable($"found '{openText}', expected: '('");
                }

                var values = new List<string>();
                while (true)
                {
                    var (valueKind, value) = Peek();
                    if (valueKind == TokenKind.Identifier)
                    {
                        values.Add(ValidValue(value));
                        Next();
                    }
                    else
                    {
                        // `a in (,x)` and `a in ()`: an empty value, as the upstream parser reads it.
                        values.Add("");
                    }

                    var (sep, sepText) = Next();
                    if (sep == TokenKind.Close)
                    {
                        break;
                    }

                    if (sep != TokenKind.Comma)
                    {
                        throw Unable($"found '{sepText}', expected: ',', ')' or identifier");
                    }
                }

                return new Requirement(name, op, [.. values]);
            }

            var single = "";
            if (Peek().Kind == TokenKind.Identifier)
            {
                single = ValidValue(Next().Text);
            }
            else if (Peek().Kind is not (TokenKind.End or TokenKind.Comma))
            {
                throw Unable($"found '{Peek().Text}', expected: identifier");
            }

            if (op is Operator.GreaterThan or Operator.LessThan && !long.TryParse(single, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                throw Unable($"for 'Gt', 'Lt' operators, the value must be an integer");
            }

            return new Requirement(name, op, [single]);
        }

        private (TokenKind Kind, string Text) Peek() => _tokens[_position];

        private (TokenKind Kind, string Text) Next()
        {
            var token = _tokens[_position];
            if (_position < _tokens.Count - 1)
            {
                _position++;
            }

            return token;
        }

        private static FormatException Unable(string detail) => new("unable to parse requirement: " + detail);

        /// <summary>A qualified name: an optional DNS-subdomain prefix and '/', then at most 63 name characters.</summary>
        private static string ValidKey(string key)
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var name = slash < 0 ? key : key[(slash + 1)..];
            var prefix = slash < 0 ? null : key[..slash];
            if (!IsLabelName(name) || (prefix is not null && (prefix.Length is 0 or > 253 || !prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))))
            {
                throw Unable($"invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
            }

            return key;
        }

        private static string ValidValue(string value)
        {
            if (value.Length > 0 && !IsLabelName(value))
            {
                throw Unable($"invalid label value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
            }

            return value;
        }

        private static bool IsLabelName(string s) =>
            s.Length is > 0 and <= 63
            && char.IsAsciiLetterOrDigit(s[0])
            && char.IsAsciiLetterOrDigit(s[^1])
            && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

        private static List<(TokenKind, string)> Lex(string s)
        {
            var tokens = new List<(TokenKind, string)>();
            var i = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                    continue;
                }

                switch (c)
                {
                    case ',': tokens.Add((TokenKind.Comma, ",")); i++; continue;
                    case '(': tokens.Add((TokenKind.Open, "(")); i++; continue;
                    case ')': tokens.Add((TokenKind.Close, ")")); i++; continue;
                    case '>': tokens.Add((TokenKind.GreaterThan, ">")); i++; continue;
                    case '<': tokens.Add((TokenKind.LessThan, "<")); i++; continue;
                    case '!' when i + 1 < s.Length && s[i + 1] == '=': tokens.Add((TokenKind.NotEquals, "!=")); i += 2; continue;
                    case '!': tokens.Add((TokenKind.DoesNotExist, "!")); i++; continue;
                    case '=' when i + 1 < s.Length && s[i + 1] == '=': tokens.Add((TokenKind.DoubleEquals, "==")); i += 2; continue;
                    case '=': tokens.Add((TokenKind.Equals, "=")); i++; continue;
                    default: break;
                }

                var start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not (',' or '(' or ')' or '>' or '<' or '!' or '='))
                {
                    i++;
                }

                var word = s[start..i];
                tokens.Add(word switch
                {
                    "in" => (TokenKind.In, word),
                    "notin" => (TokenKind.NotIn, word),
                    _ => (TokenKind.Identifier, word),
                });
            }

            tokens.Add((TokenKind.End, "end of string"));
            return tokens;
        }
    }
}
