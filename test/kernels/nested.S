# nested: an external interrupt (IRQ0) arriving while a handler runs. A trap gate leaves IF=1, so
# IRQ0 interrupts the handler itself (SDM 3A 6.8.1 / 6.12.1.3): its frame holds the handler's CS
# and EFLAGS (IF=1) and sits just below the handler's stack. An interrupt gate clears IF, so
# IRQ0 waits until the handler's iret restores IF=1; it is then taken before the next
# instruction, and its frame EIP is the instruction after the int (SDM 3A 6.6: interrupts are
# recognized at instruction boundaries). PIT: mode 2, divisor 100 (83.8 us).
        .include "lib.inc"

main:
        SET_GATE 0x20, h_irq0, GATE_INT
        SET_GATE 0x40, h_trap, GATE_TRAP
        SET_GATE 0x41, h_intr, GATE_INT
        movl $0x34, %eax
        movl $100, %edx
        call pit_program

        # --- trap gate
        sti
        int $0x40
        cli
        PRINT "trap gate handler: irq0 count="
        PDEC irq_count
        PRINT " arrived inside handler="
        PDEC irq_depth
        movl irq_eip, %eax
        cmpl $spin_start, %eax
        jb 1f
        cmpl $spin_end, %eax
        jae 1f
        PRINT " eip in handler's loop=yes"
        jmp 2f
1:      PRINT " eip in handler's loop=NO"
2:      PKV " cs=", irq_cs
        movl irq_eflags, %eax
        andl $0x200, %eax
        PKV " eflags.IF=", %eax
        movl trap_esp_in, %eax
        subl irq_esp, %eax
        PKV " irq esp=handler esp-", %eax
        NL

        # --- interrupt gate
        movl $0, irq_count
        sti
        int $0x41
after_int41:
        cli
        PRINT "interrupt gate handler: irq0 during handler="
        PDEC count_in_intr
        PRINT " after iret="
        PDEC irq_count
        PRINT " arrived inside handler="
        PDEC irq_depth
        movl irq_eip, %eax
        subl $after_int41, %eax
        PKV " eip=after_int+", %eax
        NL
        movb $0xff, %al
        outb %al, $0x21
        ret

# Trap-gate handler: unmask IRQ0, wait (IF=1) until it has come, mask it again.
h_trap:
        movl $1, depth
        movl %esp, trap_esp_in
        movb $0xfe, %al
        outb %al, $0x21
spin_start:                     # from here on IRQ0 may come (at once if already latched)
        movl tsc_khz, %ecx      # give up after 2 ms
        shll $1, %ecx
        rdtsc
        movl %eax, %esi
2:      cmpl $0, irq_count
        jne 1f
        rdtsc
        subl %esi, %eax
        cmpl %ecx, %eax
        jb 2b
spin_end:
1:      movb $0xff, %al
        outb %al, $0x21
        movl $0, depth
        iret

# Interrupt-gate handler: unmask IRQ0 and spin 2 ms with IF=0: nothing may arrive.
h_intr:
        movl $1, depth
        movb $0xfe, %al
        outb %al, $0x21
        movl tsc_khz, %ecx
        shll $1, %ecx
        call spin_tsc
        movl irq_count, %eax
        movl %eax, count_in_intr
        movl $0, depth
        iret                    # IF=1 again: the pending IRQ0 comes now

h_irq0:
        pushl %eax
        incl irq_count
        movl depth, %eax
        movl %eax, irq_depth
        movl 4(%esp), %eax
        movl %eax, irq_eip
        movl 8(%esp), %eax
        movl %eax, irq_cs
        movl 12(%esp), %eax
        movl %eax, irq_eflags
        leal 4(%esp), %eax
        movl %eax, irq_esp
        movb $0xff, %al         # one IRQ0 per test is enough
        outb %al, $0x21
        PIC_EOI
        popl %eax
        iret

        .data
depth: .long 0
irq_count: .long 0
irq_depth: .long 0
irq_eip: .long 0
irq_cs: .long 0
irq_eflags: .long 0
irq_esp: .long 0
trap_esp_in: .long 0
count_in_intr: .long 0
        .text
