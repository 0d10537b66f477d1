# ring3: iret from CPL 0 to CPL 3 and int $0x80 back (SDM 2A IRET pseudocode,
# RETURN-TO-OUTER-PRIVILEGE-LEVEL; SDM 3A 6.12.1 for the inward frame). The ring-3 code makes
# three calls that return to it (iret to CPL 3 from the handler), then one that ends the run.
        .include "lib.inc"

main:
        movl $0, sys_count
        USER u_main, 0x00000246         # IF ZF PF
        PKV "cpl3 cs=", sys_regs + R_EBX
        PKV " ss=", sys_regs + R_ECX
        PKV " ds=", sys_regs + R_EDX
        NL
        PKV "cpl3 eflags at entry=", u_eflags
        NL
        PKV "calls returned ", u_ret + 0
        PKV " ", u_ret + 4
        PKV " ", u_ret + 8
        PRINT " total calls="
        PDEC sys_count
        NL
        PKV "last int 0x80 frame: cs=", sys_cs
        PKV " ss=", sys_ss
        movl $user_stack_top, %eax
        subl sys_esp, %eax
        PKV " esp=user_stack_top-", %eax
        movl sys_eip, %eax
        subl $u_last, %eax
        PKV " eip=u_last+", %eax
        NL
        movl tss_esp0, %eax
        subl sys_handler_esp, %eax
        PKV "handler: esp=esp0-", %eax
        PKV " ss=", sys_handler_ss
        NL
        ret

# Ring 3. Writes through DS (UDATA) are fine: flat, DPL 3.
u_main:
        pushfl
        popl u_eflags
        movl $1, %eax
        int $0x80
        movl %eax, u_ret + 0
        movl $1, %eax
        int $0x80
        movl %eax, u_ret + 4
        movl $1, %eax
        int $0x80
        movl %eax, u_ret + 8
        movl %cs, %ebx
        movl %ss, %ecx
        movl %ds, %edx
        pushl $0x1234           # the frame's ESP must be 4 below the top
        xorl %eax, %eax
        int $0x80
u_last:
        ud2

        .data
u_eflags: .long 0
u_ret: .long 0, 0, 0
        .text
