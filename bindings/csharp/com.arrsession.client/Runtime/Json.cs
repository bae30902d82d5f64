using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ArrSession.Internal
{
    /// <summary>
    /// A small JSON reader for the library's results: objects become <see cref="JsonObject"/>, arrays
    /// <c>List&lt;object&gt;</c>, numbers <c>double</c>, and strings, booleans and null themselves.
    /// </summary>
    internal static class Json
    {
        internal static object Parse(string text)
        {
            if (text == null)
            {
                throw new FormatException("no JSON text");
            }
            var reader = new Reader(text);
            object value = reader.ReadValue(0);
            reader.SkipWhitespace();
            if (!reader.AtEnd)
            {
                throw reader.Error("unexpected text after the value");
            }
            return value;
        }

        internal static JsonObject ParseObject(string text)
        {
            var value = Parse(text) as JsonObject;
            if (value == null)
            {
                throw new FormatException("expected a JSON object");
            }
            return value;
        }

        internal static List<object> ParseArray(string text)
        {
            var value = Parse(text) as List<object>;
            if (value == null)
            {
                throw new FormatException("expected a JSON array");
            }
            return value;
        }

        private sealed class Reader
        {
            private const int MaxDepth = 64;
            private readonly string _text;
            private int _pos;

            internal Reader(string text)
            {
                _text = text;
            }

            internal bool AtEnd
            {
                get { return _pos >= _text.Length; }
            }

            internal FormatException Error(string what)
            {
                return new FormatException("invalid JSON at offset " + _pos + ": " + what);
            }

            internal void SkipWhitespace()
            {
                while (_pos < _text.Length && (_text[_pos] == ' ' || _text[_pos] == '\t' || _text[_pos] == '\n' || _text[_pos] == '\r'))
                {
                    _pos++;
                }
            }

            internal object ReadValue(int depth)
            {
                if (depth > MaxDepth)
                {
                    throw Error("nested too deeply");
                }
                SkipWhitespace();
                if (AtEnd)
                {
                    throw Error("unexpected end");
                }
                char c = _text[_pos];
                switch (c)
                {
                    case '{': return ReadObject(depth);
                    case '[': return ReadArray(depth);
                    case '"': return ReadString();
                    case 't': return ReadLiteral("true", true);
                    case 'f': return ReadLiteral("false", false);
                    case 'n': return ReadLiteral("null", null);
                    default:
                        if (c == '-' || (c >= '0' && c <= '9'))
                        {
                            return ReadNumber();
                        }
                        throw Error("unexpected character '" + c + "'");
                }
            }

            private object ReadLiteral(string word, object value)
            {
                if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0)
                {
                    throw Error("expected " + word);
                }
                _pos += word.Length;
                return value;
            }

            private JsonObject ReadObject(int depth)
            {
                var result = new JsonObject();
                _pos++;
                SkipWhitespace();
                if (!AtEnd && _text[_pos] == '}')
                {
                    _pos++;
                    return result;
                }
                while (true)
                {
                    SkipWhitespace();
                    if (AtEnd || _text[_pos] != '"')
                    {
                        throw Error("expected a property name");
                    }
                    string name = ReadString();
                    SkipWhitespace();
                    Expect(':');
                    result[name] = ReadValue(depth + 1);
                    SkipWhitespace();
                    if (Accept('}'))
                    {
                        return result;
                    }
                    Expect(',');
                }
            }

            private List<object> ReadArray(int depth)
            {
                var result = new List<object>();
                _pos++;
                SkipWhitespace();
                if (Accept(']'))
                {
                    return result;
                }
                while (true)
                {
                    result.Add(ReadValue(depth + 1));
                    SkipWhitespace();
                    if (Accept(']'))
                    {
                        return result;
                    }
                    Expect(',');
                }
            }

            private bool Accept(char c)
            {
                if (!AtEnd && _text[_pos] == c)
                {
                    _pos++;
                    return true;
                }
                return false;
            }

            private void Expect(char c)
            {
                if (!Accept(c))
                {
                    throw Error("expected '" + c + "'");
                }
            }

            private string ReadString()
            {
                _pos++;
                var sb = new StringBuilder();
                while (true)
                {
                    if (AtEnd)
                    {
                        throw Error("unterminated string");
                    }
                    char c = _text[_pos++];
                    if (c == '"')
                    {
                        return sb.ToString();
                    }
                    if (c != '\\')
                    {
                        sb.Append(c);
                        continue;
                    }
                    if (AtEnd)
                    {
                        throw Error("unterminated escape");
                    }
                    char e = _text[_pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (_pos + 4 > _text.Length)
                            {
                                throw Error("short \\u escape");
                            }
                            sb.Append((char)int.Parse(_text.Substring(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                            _pos += 4;
                            break;
                        default: throw Error("unknown escape");
                    }
                }
            }

            private double ReadNumber()
            {
                int start = _pos;
                while (!AtEnd && "+-0123456789.eE".IndexOf(_text[_pos]) >= 0)
                {
                    _pos++;
                }
                double value;
                if (!double.TryParse(_text.Substring(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                {
                    throw Error("bad number");
                }
                return value;
            }
        }
    }

    /// <summary>A JSON object with typed accessors that tolerate absent and null members.</summary>
    internal sealed class JsonObject : Dictionary<string, object>
    {
        internal JsonObject()
            : base(StringComparer.Ordinal)
        {
        }

        internal object Get(string name)
        {
            object value;
            return TryGetValue(name, out value) ? value : null;
        }

        internal string GetString(string name)
        {
            object value = Get(name);
            return value == null ? null : value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        internal double? GetDouble(string name)
        {
            object value = Get(name);
            return value is double ? (double?)(double)value : null;
        }

        internal int? GetInt(string name)
        {
            double? value = GetDouble(name);
            return value.HasValue ? (int?)(int)Math.Round(value.Value) : null;
        }

        internal JsonObject GetObject(string name)
        {
            return Get(name) as JsonObject;
        }

        internal List<object> GetArray(string name)
        {
            return Get(name) as List<object>;
        }
    }
}
