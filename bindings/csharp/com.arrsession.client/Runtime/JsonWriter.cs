using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ArrSession.Internal
{
    /// <summary>Writes the small JSON arguments the C ABI takes (config, create and wait options).</summary>
    internal sealed class JsonWriter
    {
        private readonly StringBuilder _sb = new StringBuilder();
        private bool _first = true;

        internal JsonWriter()
        {
            _sb.Append('{');
        }

        internal JsonWriter Add(string name, string value)
        {
            if (value != null)
            {
                Name(name);
                Quote(_sb, value);
            }
            return this;
        }

        internal JsonWriter Add(string name, long? value)
        {
            if (value.HasValue)
            {
                Name(name);
                _sb.Append(value.Value.ToString(CultureInfo.InvariantCulture));
            }
            return this;
        }

        internal JsonWriter Add(string name, bool? value)
        {
            if (value.HasValue)
            {
                Name(name);
                _sb.Append(value.Value ? "true" : "false");
            }
            return this;
        }

        /// <summary>Adds a member whose value is already JSON text (skipped when null).</summary>
        internal JsonWriter AddRaw(string name, string json)
        {
            if (json != null)
            {
                Name(name);
                _sb.Append(json);
            }
            return this;
        }

        public override string ToString()
        {
            return _sb.ToString() + "}";
        }

        internal static string StringArray(IEnumerable<string> values)
        {
            var sb = new StringBuilder("[");
            bool first = true;
            foreach (string value in values)
            {
                if (!first)
                {
                    sb.Append(',');
                }
                first = false;
                Quote(sb, value);
            }
            return sb.Append(']').ToString();
        }

        private void Name(string name)
        {
            if (!_first)
            {
                _sb.Append(',');
            }
            _first = false;
            Quote(_sb, name);
            _sb.Append(':');
        }

        private static void Quote(StringBuilder sb, string value)
        {
            sb.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            sb.Append(c);
                        }
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
