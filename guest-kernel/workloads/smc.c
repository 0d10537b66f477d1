/* smc.c - workload "smc": the kernel rewrites its own code and runs the result.
 *
 * Each iteration writes one of five small functions (with a fresh immediate operand) over
 * smc_target in kernel .text, calls it, and checks the value against the same operation done in
 * C.  The patches change an immediate inside an instruction, the instruction itself, and
 * control flow (a conditional jump), so a translator that caches translated code must notice
 * every write to the page.  x86 needs no cache flush for this: a write to code followed by a
 * jump (our CALL) is enough on every processor since the 486.
 */
#include "kstring.h"
#include "timing.h"
#include "workload.h"

extern u8 smc_target[];
typedef u32 smc_fn(u32 arg);

enum patch_kind { PATCH_ADD, PATCH_XOR, PATCH_IMUL, PATCH_ROL, PATCH_ADD_IF_ODD, PATCH_KINDS };

struct patch {
    u8 bytes[16];
    u8 length;
    u8 imm_offset; /* where the immediate operand goes */
    u8 imm_size;   /* 4 bytes, or 1 for the rotate count */
};

/* Every patch starts with MOV EAX, [ESP+4] (8B 44 24 04): load the argument. */
static const struct patch patches[PATCH_KINDS] = {
    /* ADD EAX, imm32 (05 id); RET */
    [PATCH_ADD] = {{0x8B, 0x44, 0x24, 0x04, 0x05, 0, 0, 0, 0, 0xC3}, 10, 5, 4},
    /* XOR EAX, imm32 (35 id); RET */
    [PATCH_XOR] = {{0x8B, 0x44, 0x24, 0x04, 0x35, 0, 0, 0, 0, 0xC3}, 10, 5, 4},
    /* IMUL EAX, EAX, imm32 (69 /r id, ModRM C0); RET */
    [PATCH_IMUL] = {{0x8B, 0x44, 0x24, 0x04, 0x69, 0xC0, 0, 0, 0, 0, 0xC3}, 11, 6, 4},
    /* ROL EAX, imm8 (C1 /0 ib, ModRM C0); RET */
    [PATCH_ROL] = {{0x8B, 0x44, 0x24, 0x04, 0xC1, 0xC0, 0, 0xC3}, 8, 6, 1},
    /* TEST AL, 1 (A8 01); JZ +5 (74 05); ADD EAX, imm32 (05 id); RET */
    [PATCH_ADD_IF_ODD] = {{0x8B, 0x44, 0x24, 0x04, 0xA8, 0x01, 0x74, 0x05, 0x05, 0, 0, 0, 0, 0xC3},
                          14, 9, 4},
};

static const u8 original[] = {0x8B, 0x44, 0x24, 0x04, 0xC3};

static void install(const struct patch *p, u32 imm) {
    memcpy(smc_target, p->bytes, p->length);
    for (u32 b = 0; b < p->imm_size; b++)
        smc_target[p->imm_offset + b] = (u8)(imm >> (8 * b));
}

/* What the patched code must compute, done by the compiler instead. */
static u32 expected(enum patch_kind kind, u32 arg, u32 imm) {
    switch (kind) {
    case PATCH_ADD:
        return arg + imm;
    case PATCH_XOR:
        return arg ^ imm;
    case PATCH_IMUL:
        return arg * imm;
    case PATCH_ROL: {
        u32 n = imm & 31; /* the CPU masks the count to 5 bits */
        return n == 0 ? arg : (arg << n) | (arg >> (32 - n));
    }
    case PATCH_ADD_IF_ODD:
        return (arg & 1) ? arg + imm : arg;
    default:
        return 0;
    }
}

void workload_smc(u32 iters, struct workload_result *r) {
    u32 sum = 0, wrong = 0;
    enum patch_kind kind = PATCH_ADD;
    u64 start = timing_start();
    for (u32 i = 0; i < iters; i++) {
        u32 imm = (i * 0x9E3779B1u) ^ 0x5A5A5A5Au;
        u32 arg = i ^ 0xA5A5A5A5u;
        install(&patches[kind], imm);
        u32 got = ((smc_fn *)smc_target)(arg);
        if (got != expected(kind, arg, imm))
            wrong++;
        sum = sum * 31 + got;
        kind = kind + 1 == PATCH_KINDS ? PATCH_ADD : kind + 1;
    }
    r->cycles = timing_stop(start);

    memcpy(smc_target, original, sizeof original);
    workload_expect(r, wrong, 0, "patched code computed a different value than the C reference");
    r->check = sum;
}
