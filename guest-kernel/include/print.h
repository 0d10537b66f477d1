/* print.h - formatted output to the serial console. */
#ifndef KDBT_PRINT_H
#define KDBT_PRINT_H

#include <stdarg.h>

#include "types.h"

/* A small printf: %s %c %d %u %x %llu %% with optional zero padding and width (%08x). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
void kputs(const char *s);

#endif
