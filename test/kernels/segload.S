# segload: checks on loading data segment registers and SS (SDM 3A 5.5-5.7 and 6.15: the MOV
# Sreg pseudocode in SDM 2B). Error codes are selector error codes (SDM 3A 6.13): the selector
# with its RPL bits replaced by EXT=0, IDT=0, so 0x13 reports 0x10.
# GDT: 0x08 code DPL0 (readable), 0x10 data DPL0, 0x20 data DPL3, 0x28 TSS, 0x30 data DPL0,
# 0x38 data DPL0 not present, 0x40 code DPL0 execute-only; limit 0x47.
# No selector has TI=1: without lldt the LDTR is whatever the firmware left (see README).
        .include "lib.inc"

# R0 "name", sreg, selector, vector: load at CPL 0 expecting exception `vector`.
        .macro R0 name, sreg, sel, vec
        EXPECT \vec, 1f
        movw $\sel, %ax
0:      movw %ax, %\sreg
1:      UNEXPECT \vec
        call reset_segs
        REPORT "\name", 0b
        .endm

# R0OK "name", sreg, selector: load at CPL 0 expecting success; prints the register read back.
        .macro R0OK name, sreg, sel
        movw $\sel, %ax
        movw %ax, %\sreg
        movl %\sreg, %ecx
        call reset_segs
        PKV "\name ok: read back ", %ecx
        NL
        .endm

# R3 "name", selector, vector: run u_load (mov %bx, %ds at CPL 3) expecting `vector`.
        .macro R3 name, sel, vec
        EXPECT \vec, user_exit
        movl $\sel, %ebx
        USER u_load_ds, 0x202
        UNEXPECT \vec
        REPORT "\name", u_load_ds
        .endm

main:
        R0 "r0 ds<-0x1000 beyond gdt limit", ds, 0x1000, 13
        R0 "r0 ds<-0x28 tss (system descriptor)", ds, TSSSEL, 13
        R0 "r0 ds<-0x40 execute-only code", ds, XOCODE, 13
        R0 "r0 ds<-0x38 not present", ds, NPDATA, 11
        R0 "r0 ds<-0x13 rpl3 > dpl0", ds, 0x13, 13
        R0 "r0 ss<-0x38 not present", ss, NPDATA, 12
        R0 "r0 ss<-0x00 null", ss, 0, 13
        R0 "r0 ss<-0x23 rpl3 != cpl0", ss, UDATA, 13
        R0 "r0 ss<-0x20 dpl3 != cpl0", ss, 0x20, 13
        R0 "r0 ss<-0x08 code", ss, KCODE, 13
        R0OK "r0 ds<-0x23 dpl3 data", ds, UDATA
        R0OK "r0 es<-0x00 null", es, 0
        R0OK "r0 fs<-0x08 readable code", fs, KCODE
        R0OK "r0 ss<-0x30 dpl0 data", ss, KDATA2

        R3 "r3 ds<-0x10 dpl0 data", KDATA, 13
        R3 "r3 ds<-0x13 dpl0 data rpl3", 0x13, 13
        R3 "r3 ds<-0x38 dpl0 not present (privilege checked first)", NPDATA, 13
        R3 "r3 ds<-0x08 dpl0 code", KCODE, 13
        R3 "r3 ds<-0x40 execute-only code", XOCODE, 13

        # A DPL-3 data selector with RPL 0 loads at CPL 3 (DPL >= max(CPL, RPL)).
        movl $0x20, %ebx
        USER u_load_ds, 0x202
        PKV "r3 ds<-0x20 dpl3 data rpl0 ok: read back ", sys_regs + R_ECX
        NL
        # SS at CPL 3 must have DPL = RPL = 3.
        EXPECT 13, user_exit
        USER u_load_ss, 0x202
        UNEXPECT 13
        REPORT "r3 ss<-0x10 dpl0 data", u_load_ss_insn
        ret

# Ring 3: load EBX into DS and return it in ECX.
u_load_ds:
        movw %bx, %ds
        movl %ds, %ecx
        jmp user_exit
u_load_ss:
        movw $KDATA, %ax
u_load_ss_insn:
        movw %ax, %ss
        jmp user_exit

reset_segs:
        pushl %eax
        movl $KDATA, %eax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        popl %eax
        ret
