/* cmdline.c - parsing the multiboot command line.
 *
 * Syntax: space-separated key=value words, each key at most once:
 *
 *   workload=<name>|all   which workload to run (default: all, in table order)
 *   iters=<n>             iterations, decimal, 1..1000000000 (default: each workload's own)
 *   hz=<n>                PIT interrupt rate for timer and ctxswitch, 100..200000 (default 50000)
 *
 * Loaders put the kernel's own path first ("guest-kernel/kernel.elf workload=all" under QEMU;
 * GRUB does the same), so a first word without '=' is skipped.  Any other malformed word stops
 * the kernel with a message and EXIT_BAD_CMDLINE: a typo must never silently run the defaults.
 */
#include "cmdline.h"
#include "exit-codes.h"
#include "kstring.h"
#include "panic.h"
#include "pit.h"
#include "print.h"
#include "workload.h"

struct boot_options boot_options;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Print the word as "'...'" (it is not NUL-terminated). */
static void print_word(const char *s, u32 len) {
    kputs("'");
    for (u32 i = 0; i < len; i++)
        kprintf("%c", s[i]);
    kputs("'");
}

static noreturn void bad(const char *what, const char *word, u32 len, const char *hint) {
    kprintf("bad command line: %s ", what);
    print_word(word, len);
    kprintf("%s\n", hint);
    machine_exit(EXIT_BAD_CMDLINE);
}

/* Decimal digits only, no sign, no overflow past `max`; returns 0 (never valid) on error. */
static u32 parse_number(const char *s, u32 len, u32 max) {
    if (len == 0)
        return 0;
    u32 value = 0;
    for (u32 i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        u32 digit = (u32)(s[i] - '0');
        if (value > (max - digit) / 10)
            return 0;
        value = value * 10 + digit;
    }
    return value;
}

static void print_workload_names(void) {
    for (u32 i = 0; i < workload_count; i++)
        kprintf(" %s", workloads[i].name);
    kputs(" all");
}

static void parse_word(const char *word, u32 len, struct boot_options *out, u32 *seen) {
    u32 eq = 0;
    while (eq < len && word[eq] != '=')
        eq++;
    if (eq == len)
        bad("expected key=value, got", word, len, "");
    const char *value = word + eq + 1;
    u32 value_len = len - eq - 1;

    u32 key_bit;
    if (eq == 8 && kstrneq(word, "workload", 8)) {
        key_bit = 1;
        if (value_len == 3 && kstrneq(value, "all", 3)) {
            out->workload = NULL;
        } else {
            out->workload = workload_find(value, value_len);
            if (out->workload == NULL) {
                kputs("bad command line: unknown workload ");
                print_word(value, value_len);
                kputs(" (workloads:");
                print_workload_names();
                kputs(")\n");
                machine_exit(EXIT_BAD_CMDLINE);
            }
        }
    } else if (eq == 5 && kstrneq(word, "iters", 5)) {
        key_bit = 2;
        out->iters = parse_number(value, value_len, ITERS_MAX);
        if (out->iters == 0)
            bad("iters must be a decimal number from 1 to 1000000000, got", value, value_len, "");
    } else if (eq == 2 && kstrneq(word, "hz", 2)) {
        key_bit = 4;
        out->hz = parse_number(value, value_len, PIT_MAX_HZ);
        if (out->hz < PIT_MIN_HZ)
            bad("hz must be a decimal number from 100 to 200000, got", value, value_len, "");
    } else {
        bad("unknown key", word, eq, " (keys: workload, iters, hz)");
    }
    if (*seen & key_bit)
        bad("repeated key", word, eq, "");
    *seen |= key_bit;
}

void cmdline_parse(const char *cmdline, struct boot_options *out) {
    out->workload = NULL;
    out->iters = 0;
    out->hz = PIT_DEFAULT_HZ;

    u32 seen = 0;
    int first = 1;
    const char *p = cmdline;
    for (;;) {
        while (is_space(*p))
            p++;
        if (*p == '\0')
            break;
        const char *word = p;
        u32 len = 0, has_eq = 0;
        while (p[len] != '\0' && !is_space(p[len])) {
            if (p[len] == '=')
                has_eq = 1;
            len++;
        }
        p += len;
        if (first && !has_eq) { /* the kernel image's path */
            first = 0;
            continue;
        }
        first = 0;
        parse_word(word, len, out, &seen);
    }
}
