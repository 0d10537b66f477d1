# picmask: 8259A masking, IRR/ISR read back through OCW3 and EOI (Intel 8259A data sheet:
# OCW1 = IMR, OCW2 0x20 = non-specific EOI, OCW3 0x0a/0x0b = read IRR/ISR on the next read of
# the command port). The IRR latches the PIT's edges even while the line is masked; the IMR only
# keeps them from the CPU. While IRQ0's ISR bit is set (no EOI yet) no further IRQ0 is
# delivered. PIT channel 0 runs in mode 2 with divisor 100 (83.8 us per IRQ0).
# Every spin is 2 ms of TSC time (tsc_khz from the command line, see lib.inc), about 24 PIT
# periods; only counts that do not depend on the exact timing are printed.
        .include "lib.inc"

main:
        SET_GATE 0x20, h_irq0, GATE_INT
        movl $0x34, %eax                # channel 0, lo/hi, mode 2, binary
        movl $100, %edx
        call pit_program

        # 1: masked. IF=1 but IMR bit 0 set: nothing is delivered, the IRR still latches.
        sti
        call spin_2ms
        cli
        inb $0x21, %al
        movzbl %al, %eax
        PKV "masked: imr=", %eax
        PRINT " irq0 delivered="
        PDEC count
        call read_irr
        andl $1, %eax
        PRINT " irr bit0="
        PDEC %eax
        NL

        # 2: unmask. The latched request is delivered at once; the handler reads ISR and does
        # not EOI, so no second IRQ0 comes however long we wait.
        movb $0xfe, %al
        outb %al, $0x21
        sti
        nop
        call spin_2ms
        cli
        PRINT "unmasked, no eoi: delivered="
        PDEC count
        PRINT " isr bit0 in handler="
        PDEC isr_in_handler
        call read_isr
        andl $1, %eax
        PRINT " isr bit0 after="
        PDEC %eax
        call read_irr
        andl $1, %eax
        PRINT " irr bit0 after="
        PDEC %eax
        NL

        # 3: EOI from here. The pending IRQ0 is delivered right after the out (IF=1), and from
        # now on the handler sends its own EOI, so IRQ0s keep coming.
        movl $1, do_eoi
        sti
        movb $0x20, %al
        outb %al, $0x20
        nop
        nop
        cli
        PRINT "eoi: delivered right after="
        PDEC count
        sti
        call spin_2ms
        cli
        cmpl $10, count
        CHECK a, "no irq0 stream after eoi"
        PRINT " then more than 10 in 2 ms PASS"
        call read_isr
        andl $1, %eax
        PRINT " isr bit0="
        PDEC %eax
        NL

        # 4: mask again: the count stops moving.
        movb $0xff, %al
        outb %al, $0x21
        movl count, %ebx
        sti
        call spin_2ms
        cli
        subl %ebx, count
        PRINT "masked again: delivered during spin="
        PDEC count
        NL
        ret

spin_2ms:
        movl tsc_khz, %ecx
        shll $1, %ecx
        jmp spin_tsc

read_irr:                       # EAX = master IRR (OCW3: RR=1, RIS=0)
        movb $0x0a, %al
        outb %al, $0x20
        inb $0x20, %al
        movzbl %al, %eax
        ret
read_isr:                       # EAX = master ISR (OCW3: RR=1, RIS=1)
        movb $0x0b, %al
        outb %al, $0x20
        inb $0x20, %al
        movzbl %al, %eax
        ret

h_irq0:
        pushal
        incl count
        call read_isr
        andl $1, %eax
        movl %eax, isr_in_handler
        cmpl $0, do_eoi
        je 1f
        PIC_EOI
1:      popal
        iret

        .data
count: .long 0
isr_in_handler: .long 0
do_eoi: .long 0
        .text
