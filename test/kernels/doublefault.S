# doublefault: which exception raised while delivering another becomes #DF (SDM 3A 6.15,
# "Interrupt 8-Double Fault Exception", Table 6-4 classes and Table 6-5 conditions):
#   contributory (#DE #TS #NP #SS #GP) then contributory -> #DF
#   #PF then contributory or #PF -> #DF
#   benign (#UD, #BP, ...) then anything -> the second is handled normally
# A not-present gate makes delivery raise #NP (contributory). #DF pushes error code 0; its saved
# CS:EIP are undefined (SDM), so the handler does not print them and does not return: it resets
# ESP and jumps to a recovery point.
        .include "lib.inc"

# DF_ARM: set the recovery point to the 1f label after the faulting instruction.
        .macro DF_ARM
        movl $0, df_count
        movl %esp, df_esp
        movl $1f, df_resume
        .endm

        .set VA_IDT, 0x400000 + 0x1000 - 14 * 8 # gates 0..13 on a present page, 14.. on the next

main:
        SET_GATE 8, h_df, GATE_INT

        # 1: #GP (bad selector) with the #GP gate absent: #NP while delivering #GP -> #DF.
        GATE_ABSENT 13
        DF_ARM
        movw $0x1000, %ax
        movw %ax, %fs
1:      GATE_PRESENT 13
        call show
        PRINTLN " <- gp, gp gate absent"

        # 2: #DE with the #DE gate absent -> #NP -> #DF.
        GATE_ABSENT 0
        DF_ARM
        xorl %edx, %edx
        xorl %ecx, %ecx
        divl %ecx
1:      GATE_PRESENT 0
        call show
        PRINTLN " <- de, de gate absent"

        # 3: #PF with the #PF gate absent -> #NP -> #DF. CR2 holds the #PF address.
        call paging_on
        GATE_ABSENT 14
        DF_ARM
        movl 0x402000, %eax
1:      GATE_PRESENT 14
        call show
        PKV " cr2=", df_cr2
        PRINTLN " <- pf, pf gate absent"

        # 4: #PF while delivering #PF -> #DF: an IDT whose gate 14 lies on a not-present page
        # (the IDT is read with linear addresses, through paging: SDM 3A 6.10). Gates 0..13 are
        # copied to the end of a present page at 0x400000; 0x401000 is not present.
        movl $frame + 3, pg_tab1                # 0x400000 -> frame
        movl $idt, %esi
        movl $frame + 0x1000 - 14 * 8, %edi
        movl $14 * 2, %ecx
        rep movsl
        invlpg 0x400000
        lidt pf_idt_ptr
        DF_ARM
        movl 0x402000, %eax     # #PF; reading gate 14 at 0x401000 faults again
1:      lidt idt_ptr
        call show
        PKV " cr2=", df_cr2
        PRINTLN " <- pf, pf gate on a not-present page"
        call paging_off

        # 5: #UD (benign) with the #UD gate absent: the #NP is delivered as itself, no #DF.
        # (Error code 6*8+2, plus EXT per the SDM; QEMU 7.2 leaves EXT clear: masked here.)
        GATE_ABSENT 6
        DF_ARM
        EXPECT 11, 1f
0:      ud2
1:      UNEXPECT 11
        GATE_PRESENT 6
        andl $~1, trap_err
        call show
        PRINT " "
        REPORT "<- ud, ud gate absent: np instead (EXT masked)", 0b
        ret

show:
        PRINT "df count="
        PDEC df_count
        cmpl $0, df_count
        je 1f
        PKV " err=", df_err
1:      ret

# h_df: record and recover. Never returns through the frame.
h_df:
        movl (%esp), %eax
        movl %eax, df_err
        movl %cr2, %eax
        movl %eax, df_cr2
        incl df_count
        movl df_esp, %esp
        jmp *df_resume

        .data
pf_idt_ptr:
        .word 256 * 8 - 1
        .long VA_IDT
df_count: .long 0
df_err: .long 0
df_cr2: .long 0
df_esp: .long 0
df_resume: .long 0
        .bss
        .balign 4096
frame:  .space 4096
        .text
