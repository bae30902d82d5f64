using System;
using System.Collections.Generic;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    internal static class JsonTests
    {
        [Test]
        public static void The_reader_handles_what_the_library_writes()
        {
            JsonObject o = Json.ParseObject(
                " {\"s\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\",\"n\":-1.5e2,\"i\":42,\"t\":true,\"f\":false,\"z\":null,"
                + "\"a\":[1,[],{}],\"o\":{\"k\":\"v\"}} ");
            Assert.Equal("a\"b\\c\n\u00e9\U0001F600".Length, o.GetString("s").Length, "escapes");
            Assert.Equal("a\"b\\c\n\u00e9", o.GetString("s").Substring(0, 7), "escaped text");
            Assert.Equal(-150.0, o.GetDouble("n"), "number");
            Assert.Equal(42, o.GetInt("i"), "integer");
            Assert.Equal(true, o.Get("t"), "true");
            Assert.Equal(null, o.Get("z"), "null");
            Assert.Equal(null, o.GetString("missing"), "missing member");
            Assert.Equal(3, o.GetArray("a").Count, "array");
            Assert.Equal("v", o.GetObject("o").GetString("k"), "nested");
        }

        [Test]
        public static void The_reader_rejects_malformed_text()
        {
            foreach (string bad in new[] { "", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "nul", "\"open", "{'a':1}" })
            {
                Assert.Throws<FormatException>(() => Json.Parse(bad), "rejects " + bad);
            }
            string deep = new string('[', 100) + new string(']', 100);
            Assert.Throws<FormatException>(() => Json.Parse(deep), "depth limit");
        }

        [Test]
        public static void The_writer_escapes_and_round_trips()
        {
            string text = new JsonWriter().Add("s", "q\"\\\n\u0001é").Add("n", 5L).Add("b", true).Add("skip", (string)null).ToString();
            JsonObject o = Json.ParseObject(text);
            Assert.Equal("q\"\\\n\u0001é", o.GetString("s"), "string");
            Assert.Equal(5, o.GetInt("n"), "number");
            Assert.True(!o.ContainsKey("skip"), "null members are left out");
            List<object> a = Json.ParseArray(JsonWriter.StringArray(new[] { "a", "b\"" }));
            Assert.Equal("b\"", (string)a[1], "array of strings");
        }
    }
}
