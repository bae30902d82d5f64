using System;
using System.Runtime.InteropServices;
using System.Text;

namespace ArrSession.Native
{
    /// <summary>UTF-8 marshalling by hand (the default marshaller uses the platform's ANSI code page).</summary>
    internal static class Utf8
    {
        private static readonly Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>
        /// A NUL-terminated UTF-8 copy of <paramref name="value"/>, or null for null. An interior NUL would
        /// silently cut the string on the native side, and a lone surrogate cannot be encoded: both throw
        /// <see cref="ArgumentException"/> naming <paramref name="paramName"/>.
        /// </summary>
        internal static byte[] ToNative(string value, string paramName = null)
        {
            if (value == null)
            {
                return null;
            }
            int nul = value.IndexOf('\0');
            if (nul >= 0)
            {
                throw new ArgumentException("contains a NUL character at index " + nul + ", which a C string cannot hold", paramName);
            }
            byte[] bytes;
            try
            {
                int length = Strict.GetByteCount(value);
                bytes = new byte[length + 1];
                Strict.GetBytes(value, 0, value.Length, bytes, 0);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("is not valid UTF-16 (a lone surrogate): " + e.Message, paramName, e);
            }
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
