/* types.h - fixed-width integer types and a few compiler helpers.
 *
 * The kernel is built with -ffreestanding and -nostdlib, so there is no C library: we name our
 * own integer types.  On i386 (ILP32) int and long are 32 bits and long long is 64 bits.
 */
#ifndef KDBT_TYPES_H
#define KDBT_TYPES_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed int i32;

#define NULL ((void *)0)

/* The function never returns (panic, exit, a task that was switched away from for good). */
#define noreturn __attribute__((noreturn))

/* A real, out-of-line call that gcc may neither inline nor specialise (no IPA "clones"):
 * the call/ret workloads must execute genuine call and ret instructions. */
#define really_called __attribute__((noipa))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Stop the compiler from reasoning about a value (e.g. turning a loop into a closed formula). */
#define opaque(x) __asm__ volatile("" : "+r"(x))

/* Compile-time assertion, used to pin structure layouts that assembly code depends on. */
#define static_assert_size(type, size) \
    _Static_assert(sizeof(type) == (size), #type " has the wrong size")

#endif
