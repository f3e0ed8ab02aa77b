/* ProcessPrng for Wine versions that lack it (Debian 12's Wine 8.0). Rust's standard library on
 * Windows draws its random numbers from bcryptprimitives.dll's ProcessPrng; without it every Rust
 * program stops at start with STATUS_DLL_NOT_FOUND (c0000135). This DLL answers from advapi32's
 * RtlGenRandom (SystemFunction036). scripts/test-windows builds it with mingw and loads it in its
 * Wine prefix only; it is never part of the plugin. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
