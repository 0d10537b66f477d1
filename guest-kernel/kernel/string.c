/* string.c - memcpy, memset and two string helpers.
 *
 * memcpy and memset use REP MOVSB / REP STOSB: short, correct for any length and alignment, and
 * gcc cannot turn them back into calls to themselves (it can do that to a plain C loop, which
 * would recurse forever).
 */
#include "kstring.h"

void *memcpy(void *dst, const void *src, u32 n) {
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, u32 n) {
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

u32 kstrlen(const char *s) {
    u32 n = 0;
    while (s[n])
        n++;
    return n;
}

int kstreq(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int kstrneq(const char *a, const char *b, u32 n) {
    for (u32 i = 0; i < n; i++)
        if (a[i] != b[i] || b[i] == '\0')
            return 0;
    return b[n] == '\0';
}
