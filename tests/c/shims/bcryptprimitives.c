/*
 * TEST-ONLY stand-in for Windows' bcryptprimitives.dll, which Wine 8 (Debian 12) lacks. Rust's standard
 * library imports ProcessPrng from it, so without this no Rust DLL loads under that Wine. It forwards to
 * RtlGenRandom (advapi32's SystemFunction036). tests/c/cross.sh builds it next to the test programs only;
 * nothing we ship contains or needs it (real Windows 10 and later have the DLL).
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
