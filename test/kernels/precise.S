# precise: a faulting instruction leaves the registers, the flags and ESP as they were before it
# (SDM 3A 6.5 "Exception Classifications": a fault is reported "such that the instruction can be
# restarted", the state restored to before the instruction), so the handler sees the instruction
# boundary. A repeated string instruction faults per iteration: ECX, ESI, EDI show the iterations
# already done and their stores stay (SDM 2B REP: "the state of the registers is preserved to
# allow the string operation to be resumed"). All at CPL 3, so stack faults are delivered on the
# ring-0 stack. Mappings: 0x400000 not present, 0x401000 user RW (A), 0x402000 user RW (B),
# 0x403000 not present, 0x404000 user read-only (C).
        .include "lib.inc"

# R3 "name", fragment, ref, vector: run fragment at CPL 3 expecting `vector`, report against ref.
        .macro R3 name, frag, ref, vec
        EXPECT \vec, user_exit
        USER \frag, 0x202
        UNEXPECT \vec
        REPORT_PF "\name", \ref
        .endm

# REG "label", R_x: print a register of the interrupted context.
        .macro REG lab, off
        PKV "\lab", trap_regs + \off
        .endm

main:
        movl $0x03020100, frame_a + 0xff0       # source bytes 00 01 02 ... 0f
        movl $0x07060504, frame_a + 0xff4
        movl $0x0b0a0908, frame_a + 0xff8
        movl $0x0f0e0d0c, frame_a + 0xffc
        movl $0x11111111, frame_c
        SET_PTE1 0x401000, frame_a + 7
        SET_PTE1 0x402000, frame_b + 7
        SET_PTE1 0x404000, frame_c + 5
        call paging_on

        # push / call / pop / ret with ESP on a not-present page: ESP unchanged.
        movl $0x401000, %ebx
        R3 "push to not-present stack", u_push, u_push_i, 14
        movl trap_esp, %eax
        PKV "  esp in frame=", %eax
        NL
        movl $0x401000, %ebx
        R3 "call with not-present stack", u_call, u_call_i, 14
        PKV "  esp in frame=", trap_esp
        NL
        movl $0x400ff0, %ebx
        R3 "pop from not-present stack", u_pop, u_pop_i, 14
        PKV "  esp in frame=", trap_esp
        REG " ecx=", R_ECX
        NL
        movl $0x400ff0, %ebx
        R3 "ret from not-present stack", u_ret, u_ret_i, 14
        PKV "  esp in frame=", trap_esp
        NL
        # pushal needs 32 bytes; the lower 16 are on the not-present page. Which address faults
        # first is not architectural: CR2 is printed only as part of the report line, so mask it.
        movl $0x401010, %ebx
        EXPECT 14, user_exit
        USER u_pusha, 0x202
        UNEXPECT 14
        REPORT "pushal across into a not-present page", u_pusha_i
        PKV "  esp in frame=", trap_esp
        NL

        # Read-modify-write into a read-only page: memory and EFLAGS unchanged.
        R3 "add to read-only page", u_add, u_add_i, 14
        movl trap_eflags, %eax
        andl $0x8d5, %eax       # OF SF ZF AF PF CF
        PKV "  frame eflags arithmetic=", %eax
        PKV " memory=", frame_c
        NL
        # xchg with a read-only operand: neither the register nor memory changes. (A read-only
        # page, not a not-present one: for a read-modify-write of a not-present page the W/R bit
        # is not pinned down by the SDM; QEMU reports a read.)
        R3 "xchg with read-only memory", u_xchg, u_xchg_i, 14
        REG "  ecx=", R_ECX
        PKV " memory=", frame_c
        NL
        # movsl to a not-present page: ESI and EDI unchanged.
        R3 "movsl to not-present page", u_movs, u_movs_i, 14
        movl trap_regs + R_ESI, %eax
        subl $0x401000, %eax
        PKV "  esi=0x401000+", %eax
        movl trap_regs + R_EDI, %eax
        subl $0x403000, %eax
        PKV " edi=0x403000+", %eax
        NL
        # rep movsb of 16 bytes from A+0xff0 to B+0xff8: the 9th byte's store is the first on
        # the not-present page 0x403000. 8 iterations are done and stay done.
        R3 "rep movsb into not-present page", u_rep, u_rep_i, 14
        REG "  ecx=", R_ECX
        movl trap_regs + R_ESI, %eax
        subl $0x401ff0, %eax
        PKV " esi=src+", %eax
        movl trap_regs + R_EDI, %eax
        subl $0x402ff8, %eax
        PKV " edi=dst+", %eax
        NL
        PKV "  copied: ", frame_b + 0xff8
        PKV " ", frame_b + 0xffc
        NL
        # div overflow (#DE): EDX:EAX and the divisor unchanged.
        EXPECT 0, user_exit
        USER u_div, 0x202
        UNEXPECT 0
        REPORT "div overflow", u_div_i
        REG "  eax=", R_EAX
        REG " edx=", R_EDX
        REG " ecx=", R_ECX
        NL
        call paging_off
        ret

# Ring-3 fragments. EBX = the address to use.
u_push:
        movl %ebx, %esp
u_push_i:
        pushl $1
        jmp user_exit
u_call:
        movl %ebx, %esp
u_call_i:
        call user_exit
        jmp user_exit
u_pop:
        movl %ebx, %esp
        movl $0x12345678, %ecx
u_pop_i:
        popl %ecx
        jmp user_exit
u_ret:
        movl %ebx, %esp
u_ret_i:
        ret
u_pusha:
        movl %ebx, %esp
u_pusha_i:
        pushal
        jmp user_exit
u_add:
        movl $0x01, %eax
        addl $0x01, %eax        # flags: all arithmetic flags 0
u_add_i:
        addl %eax, 0x404000
        jmp user_exit
u_xchg:
        movl $0x600df00d, %ecx
u_xchg_i:
        xchgl %ecx, 0x404000
        jmp user_exit
u_movs:
        movl $0x401000, %esi
        movl $0x403000, %edi
        cld
u_movs_i:
        movsl
        jmp user_exit
u_rep:
        movl $0x401ff0, %esi
        movl $0x402ff8, %edi
        movl $16, %ecx
        cld
u_rep_i:
        rep movsb
        jmp user_exit
u_div:
        movl $1, %edx
        xorl %eax, %eax
        movl $1, %ecx
u_div_i:
        divl %ecx
        jmp user_exit

        .bss
        .balign 4096
frame_a: .space 4096
frame_b: .space 4096
frame_c: .space 4096
        .text
