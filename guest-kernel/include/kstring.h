/* kstring.h - the memory and string functions gcc expects a freestanding program to provide. */
#ifndef KDBT_KSTRING_H
#define KDBT_KSTRING_H

#include "types.h"

/* gcc may emit calls to memcpy and memset by itself (for structure copies and zeroing), so
 * these must exist under exactly these names even though there is no C library. */
void *memcpy(void *dst, const void *src, u32 n);
void *memset(void *dst, int c, u32 n);
u32 kstrlen(const char *s);
int kstreq(const char *a, const char *b);
int kstrneq(const char *a, const char *b, u32 n); /* first n chars equal, and b has no more */

#endif
