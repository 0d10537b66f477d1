# iretnull: iret to an outer ring (CPL 0 -> 3) loads null into each of DS, ES, FS, GS that holds a
# data or non-conforming code segment with DPL < the new CPL (SDM 2A IRET pseudocode,
# RETURN-TO-OUTER-PRIVILEGE-LEVEL; SDM 3A 5.7). Selectors with DPL 3 survive, whatever their RPL.
# The ring-3 code only copies the selectors to registers (DS may be null: no memory access).
        .include "lib.inc"

main:
        movw $KDATA, user_ds    # DPL 0 data: nulled
        movw $UDATA, user_es    # DPL 3 data: kept
        movw $KDATA2, user_fs   # DPL 0 data: nulled
        movw $0x20, user_gs     # DPL 3 data, RPL 0: kept
        USER u_read, 0x202
        PRINT "before iret ds=0x10 es=0x23 fs=0x30 gs=0x20 -> at cpl3"
        call show

        movw $KCODE, user_ds    # DPL 0 non-conforming code: nulled
        movw $0, user_es        # null stays null
        movw $UDATA, user_fs    # kept
        movw $KDATA, user_gs    # nulled
        USER u_read, 0x202
        PRINT "before iret ds=0x08 es=0x00 fs=0x23 gs=0x10 -> at cpl3"
        call show

        movw $UDATA, user_ds
        movw $UDATA, user_es
        movw $UDATA, user_fs
        movw $UDATA, user_gs
        ret

show:
        PKV " ds=", sys_regs + R_EBX
        PKV " es=", sys_regs + R_ECX
        PKV " fs=", sys_regs + R_ESI
        PKV " gs=", sys_regs + R_EDI
        NL
        ret

u_read:
        movl %ds, %ebx
        movl %es, %ecx
        movl %fs, %esi
        movl %gs, %edi
        jmp user_exit
