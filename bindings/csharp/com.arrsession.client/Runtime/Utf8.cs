using System;
using System.Runtime.InteropServices;
using System.Text;

namespace ArrSession.Native
{
    /// <summary>UTF-8 marshalling by hand (the default marshaller uses the platform's ANSI code page).</summary>
    internal static class Utf8
    {
        private static readonly Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/>, or null for null.</summary>
        internal static byte[] ToNative(string value)
        {
            if (value == null)
            {
                return null;
            }
            int length = Strict.GetByteCount(value);
            var bytes = new byte[length + 1];
            Strict.GetBytes(value, 0, value.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Reads a NUL-terminated UTF-8 string the caller does not own; null for NULL.</summary>
        internal static string FromNative(IntPtr ptr)
        {
            if (ptr == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(ptr, length) != 0)
            {
                length++;
            }
            if (length == 0)
            {
                return string.Empty;
            }
            var bytes = new byte[length];
            Marshal.Copy(ptr, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Reads and frees a string the library handed over (<c>arr_string_free</c>).</summary>
        internal static string TakeOwned(IntPtr ptr)
        {
            try
            {
                return FromNative(ptr);
            }
            finally
            {
                NativeMethods.arr_string_free(ptr);
            }
        }
    }
}
