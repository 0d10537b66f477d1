# gates: interrupt gate vs trap gate (SDM 3A 6.12.1.3, "Flag Usage By Exception- or
# Interrupt-Handler Procedure"). Both clear TF, NT, RF and VM on entry; an interrupt gate also
# clears IF, a trap gate leaves IF as it was. iret restores the caller's EFLAGS image.
# All PIC lines stay masked, so IF=1 lets nothing in.
        .include "lib.inc"

main:
        SET_GATE 0x30, h_flags, GATE_INT
        SET_GATE 0x31, h_flags, GATE_TRAP

        pushl $0x000002d7       # IF and SF ZF AF PF CF
        popfl
        int $0x30
        pushfl
        popl after
        PRINT "intgate IF=1 before: handler IF="
        call print_if
        PKV " eflags=", h_eflags
        PKV " after iret=", after
        NL

        pushl $0x000002d7
        popfl
        int $0x31
        pushfl
        popl after
        PRINT "trapgate IF=1 before: handler IF="
        call print_if
        PKV " eflags=", h_eflags
        PKV " after iret=", after
        NL

        pushl $0x000000d7       # IF=0
        popfl
        int $0x31
        pushfl
        popl after
        PRINT "trapgate IF=0 before: handler IF="
        call print_if
        PKV " eflags=", h_eflags
        PKV " after iret=", after
        NL

        pushl $0x000000d7
        popfl
        int $0x30
        pushfl
        popl after
        PRINT "intgate IF=0 before: handler IF="
        call print_if
        PKV " eflags=", h_eflags
        PKV " after iret=", after
        NL

        cli
        ret

print_if:
        movl h_eflags, %eax
        shrl $9, %eax
        andl $1, %eax
        PDEC %eax
        ret

h_flags:
        pushfl                  # the handler's EFLAGS, before anything changes them
        popl h_eflags
        iret

        .data
h_eflags: .long 0
after: .long 0
        .text
