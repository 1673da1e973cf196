/* Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's standard library imports on
 * Windows. Under Wine only (never shipped), this DLL forwards ProcessPrng to RtlGenRandom
 * (advapi32's SystemFunction036), which Wine has, so the real sacdoc.exe starts. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
