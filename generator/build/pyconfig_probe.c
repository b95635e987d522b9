/*
 * Compiled (syntax only) once per Python version and Windows architecture before anything is
 * built with that PC/pyconfig.h.  The file was written for MSVC: with GCC it cannot see _WIN64
 * through _MSC_VER, so a missing -DMS_WIN64 would silently describe a 32-bit ABI to a 64-bit
 * build, and every object layout in Python.h would be wrong.  These checks make that loud.
 */
#include <Python.h>

#include <stddef.h>
#include <wchar.h>

#if defined(_WIN64) != defined(MS_WIN64)
#error "MS_WIN64 must be defined exactly for 64-bit Windows targets"
#endif

_Static_assert(SIZEOF_VOID_P == sizeof(void*), "SIZEOF_VOID_P");
_Static_assert(SIZEOF_SIZE_T == sizeof(size_t), "SIZEOF_SIZE_T");
_Static_assert(SIZEOF_INT == sizeof(int), "SIZEOF_INT");
_Static_assert(SIZEOF_LONG == sizeof(long), "SIZEOF_LONG");
_Static_assert(SIZEOF_LONG_LONG == sizeof(long long), "SIZEOF_LONG_LONG");
_Static_assert(SIZEOF_WCHAR_T == sizeof(wchar_t), "SIZEOF_WCHAR_T");
_Static_assert(sizeof(Py_ssize_t) == sizeof(size_t), "Py_ssize_t");
