/* divide-error.c - #DE from ring 3: skip the faulting DIV/IDIV and carry on.
 *
 * #DE is a fault: the saved EIP points AT the division, which has changed nothing (no register,
 * no flag).  Returning as is would fault again forever, so the handler moves the frame's EIP
 * past the instruction.  That needs the instruction's length, which we decode from its bytes:
 * DIV and IDIV are opcode F6 (8-bit) or F7 (16/32-bit) with a ModRM byte whose reg field is 6
 * (DIV) or 7 (IDIV), plus whatever SIB byte and displacement the ModRM byte asks for.
 *
 * (Linux would send SIGFPE instead; this kernel has no signals, and "skip it" is the simplest
 * policy that still needs the handler to read and write the interrupted context.)
 */
#include "counters.h"
#include "trap.h"
#include "uaccess.h"

#define PREFIX_OPERAND_SIZE 0x66

/* Length of the DIV/IDIV instruction at user address eip, or 0 if it is not one (or cannot be
 * read).  Reads go through get_user_u8: the bytes are user memory. */
static u32 div_instruction_length(u32 eip) {
    u8 byte;
    u32 len = 0;
    if (get_user_u8(&byte, eip) != 0)
        return 0;
    if (byte == PREFIX_OPERAND_SIZE) { /* DIV r/m16 */
        len++;
        if (get_user_u8(&byte, eip + len) != 0)
            return 0;
    }
    if (byte != 0xF6 && byte != 0xF7)
        return 0;
    len++;

    u8 modrm;
    if (get_user_u8(&modrm, eip + len) != 0)
        return 0;
    len++;
    u32 mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
    if (reg != 6 && reg != 7) /* /6 = DIV, /7 = IDIV; other F6/F7 forms cannot raise #DE */
        return 0;
    if (mod == 3) /* register operand: no memory addressing bytes follow */
        return len;

    if (rm == 4) { /* a SIB byte follows */
        u8 sib;
        if (get_user_u8(&sib, eip + len) != 0)
            return 0;
        len++;
        if (mod == 0 && (sib & 7) == 5) /* no base register: disp32 instead */
            len += 4;
    }
    if (mod == 0 && rm == 5) /* [disp32] */
        len += 4;
    else if (mod == 1) /* [reg + disp8] */
        len += 1;
    else if (mod == 2) /* [reg + disp32] */
        len += 4;
    return len;
}

void divide_error_handler(struct trap_frame *f) {
    if (frame_cpl(f) != 3)
        fatal_exception(f, "divide error in the kernel");
    u32 len = div_instruction_length(f->eip);
    if (len == 0)
        fatal_exception(f, "divide error at an instruction that is not DIV/IDIV");
    f->eip += len;
    counters.divide_skips++;
}
