/*
 * Preloaded after libasan when Orthanc runs under AddressSanitizer (tests/reliability/asan_run.py).
 *
 * Orthanc is not instrumented, so the ASan runtime initialises lazily, on its first malloc.  On
 * Debian bookworm that malloc comes from libp11-kit's constructor, inside newlocale(), which holds
 * glibc's setlocale lock.  ASan's start-up looks up swift_demangle with dlsym(); when the symbol is
 * missing, dlerror() translates its message with gettext, which takes the same lock again: the
 * lock's reader count underflows and the next setlocale() or duplocale() waits forever.  With the
 * symbol defined here the lookup succeeds, no message is translated, and start-up goes on.
 *
 * Returning NULL tells ASan that the name could not be demangled (there is no Swift code here).
 */
#include <stddef.h>
#include <stdint.h>

char *swift_demangle(const char *mangled, size_t length, char *output, size_t *output_size, uint32_t flags);

char *swift_demangle(const char *mangled, size_t length, char *output, size_t *output_size, uint32_t flags)
{
  (void) mangled;
  (void) length;
  (void) output;
  (void) output_size;
  (void) flags;
  return NULL;
}
