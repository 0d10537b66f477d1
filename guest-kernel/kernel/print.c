/* print.c - kprintf: just enough printf for the kernel's messages and RESULT lines.
 *
 * Supports %s %c %d %u %x and %llu (64-bit cycle counts), with an optional '0' flag and width:
 * "%08x".  Newlines are sent as a bare '\n' so the output can be compared byte for byte.
 */
#include <stdarg.h>

#include "print.h"
#include "serial.h"

void kputs(const char *s) {
    while (*s)
        serial_putc(*s++);
}

/* Divide a 64-bit number by 10 in place and return the remainder, without libgcc's __udivdi3
 * (we link no library).  DIVL divides EDX:EAX by a 32-bit value; dividing the high half first
 * leaves a remainder below 10 in EDX, so the second DIVL cannot overflow. */
static u32 divmod10_u64(u64 *n) {
    u32 high = (u32)(*n >> 32), low = (u32)*n, rem;
    u32 q_high = high / 10;
    rem = high % 10;
    u32 q_low;
    __asm__("divl %4" : "=a"(q_low), "=d"(rem) : "a"(low), "d"(rem), "r"(10u));
    *n = ((u64)q_high << 32) | q_low;
    return rem;
}

/* Format `value` in `base` into the end of buf; returns the first digit's position. */
static char *format_u64(char *end, u64 value, u32 base) {
    char *p = end;
    *--p = '\0';
    do {
        u32 digit;
        if (base == 10) {
            digit = divmod10_u64(&value);
        } else {
            digit = (u32)value & 15;
            value >>= 4;
        }
        *--p = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
    } while (value != 0);
    return p;
}

static void put_padded(const char *digits, u32 width, char pad, int negative) {
    u32 len = 0;
    while (digits[len])
        len++;
    if (negative)
        len++;
    if (negative && pad == '0')
        serial_putc('-');
    for (; len < width; len++)
        serial_putc(pad);
    if (negative && pad != '0')
        serial_putc('-');
    kputs(digits);
}

static void vkprintf(const char *fmt, va_list ap) {
    char buf[24]; /* 20 digits of 2^64 - 1, plus NUL, rounded up */
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        u32 width = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (u32)(*fmt++ - '0');
        int is_long_long = 0;
        if (fmt[0] == 'l' && fmt[1] == 'l') {
            is_long_long = 1;
            fmt += 2;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            put_padded(s ? s : "(null)", width, ' ', 0);
            break;
        }
        case 'c':
            serial_putc((char)va_arg(ap, int));
            break;
        case 'd': {
            i32 v = va_arg(ap, i32);
            u32 magnitude = v < 0 ? 0u - (u32)v : (u32)v;
            put_padded(format_u64(buf + sizeof buf, magnitude, 10), width, pad, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            u64 v = is_long_long ? va_arg(ap, u64) : va_arg(ap, u32);
            put_padded(format_u64(buf + sizeof buf, v, *fmt == 'u' ? 10 : 16), width, pad, 0);
            break;
        }
        case '%':
            serial_putc('%');
            break;
        default: /* an unknown conversion is a kernel bug; show it rather than hide it */
            serial_putc('%');
            serial_putc(*fmt);
            if (*fmt == '\0')
                return;
            break;
        }
    }
}

void kprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vkprintf(fmt, ap);
    va_end(ap);
}

void kvprintf(const char *fmt, va_list ap) { vkprintf(fmt, ap); }
