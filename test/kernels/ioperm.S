# ioperm: I/O and interrupt-flag instructions at CPL 3 (SDM 3A 20.5 I/O privilege level and
# permission bit map, SDM 2A/2B IN, OUT, CLI, STI, HLT, POPF). With CPL > IOPL, in/out consult
# the TSS I/O permission bitmap: every bit covering the access must be 0, and a bitmap byte
# outside the TSS limit counts as 1; otherwise #GP(0). cli/sti need CPL <= IOPL, hlt needs
# CPL 0. popf at CPL 3 silently keeps IF (CPL > IOPL) and IOPL (CPL > 0).
# The lib's TSS bitmap covers ports 0..0x3ff (all denied) and its limit ends at the 0xff byte
# after it.
        .include "lib.inc"

# R3 "name", fragment, eflags, ref: run a ring-3 fragment with that EFLAGS image, catching #GP;
# prints the #GP (EIP relative to ref, default the fragment) or "no event".
        .macro R3 name, frag, eflags, ref=0
        EXPECT 13, user_exit
        USER \frag, \eflags
        .ifc \ref,0
        REPORT "\name", \frag
        .else
        REPORT "\name", \ref
        .endif
        .endm

main:
        # --- IOPL 0, I/O map base beyond the TSS limit: no bitmap, every port denied.
        movw $0x1000, tss_iomap_base
        R3 "iopl0 no bitmap: in 0x80", u_in80, 0x202
        R3 "iopl0 no bitmap: out 0x80", u_out80, 0x202

        # --- IOPL 0 with the bitmap; port 0x80 allowed (bit 0x80 = byte 0x10 bit 0).
        movw $TSS_IOMAP, tss_iomap_base
        andb $~0x01, tss_iomap + 0x80 / 8
        R3 "iopl0 bitmap: in 0x80 (allowed)", u_in80, 0x202
        R3 "iopl0 bitmap: out 0x80 (allowed)", u_out80, 0x202
        R3 "iopl0 bitmap: in 0x81 (denied)", u_in81, 0x202
        R3 "iopl0 bitmap: inw 0x80 (0x81 denied)", u_inw80, 0x202
        R3 "iopl0 bitmap: in 0x400 (the 0xff byte)", u_in400, 0x202, u_in400_insn
        R3 "iopl0 bitmap: in 0x1000 (beyond the limit)", u_in1000, 0x202, u_in1000_insn

        # --- IOPL 0: cli, sti, hlt.
        R3 "iopl0: cli", u_cli, 0x202
        R3 "iopl0: sti", u_sti, 0x202
        R3 "iopl0: hlt", u_hlt, 0x202

        # --- IOPL 3: I/O and cli/sti allowed regardless of the bitmap; hlt still #GP.
        R3 "iopl3: in 0x81", u_in81, 0x3202
        R3 "iopl3: cli", u_cli, 0x3202
        R3 "iopl3: sti", u_sti, 0x3202
        R3 "iopl3: hlt", u_hlt, 0x3202
        UNEXPECT 13

        # --- popf at CPL 3, IOPL 0, asking for IF=0 and IOPL=3: neither changes, no fault; the
        # arithmetic flags are taken.
        USER u_popf, 0x202
        movl sys_regs + R_EBX, %eax
        andl $0x3200, %eax
        PKV "iopl0 popf 0x30d7: eflags&(IOPL|IF)=", %eax
        movl sys_regs + R_ECX, %eax
        andl $0xff, %eax
        PKV " arithmetic flags taken=", %eax
        NL
        ret

# Ring-3 fragments: the first instruction is the one under test.
u_in80:
        inb $0x80, %al
        jmp user_exit
u_out80:
        outb %al, $0x80
        jmp user_exit
u_in81:
        inb $0x81, %al
        jmp user_exit
u_inw80:
        inw $0x80, %ax
        jmp user_exit
u_in400:
        movw $0x400, %dx
u_in400_insn:
        inb %dx, %al
        jmp user_exit
u_in1000:
        movw $0x1000, %dx
u_in1000_insn:
        inb %dx, %al
        jmp user_exit
u_cli:
        cli
        jmp user_exit
u_sti:
        sti
        jmp user_exit
u_hlt:
        hlt
        jmp user_exit
u_popf:
        pushl $0x000030d7       # IOPL 3, IF 0, SF ZF AF PF CF
        popfl
        pushfl
        popl %ebx
        movl %ebx, %ecx
        jmp user_exit
