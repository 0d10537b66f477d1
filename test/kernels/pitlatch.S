# pitlatch: 8254 counter latch command (control word 0x00 for channel 0): the count is frozen at
# the latch and read as low byte then high byte (8254 data sheet, "Counter Latch Command").
# Mode 2 counts down by 1 per input clock from the divisor; mode 3 with an even divisor counts
# down by 2, so its latched values are even. Values depend on timing, so only relations print.
# IRQ0 stays masked throughout.
        .include "lib.inc"

        .set DIV, 50000                 # 41.9 ms per period: no reload within the test

main:
        # --- mode 2
        movl $0x34, %eax
        movl $DIV, %edx
        call pit_program
        call latch_read
        movl %eax, c1
        call spin_50us
        call latch_read
        movl %eax, c2
        cmpl $DIV, c1
        CHECK be, "mode 2 latched count above the divisor"
        cmpl $0, c1
        CHECK a, "mode 2 latched count is 0"
        PRINTLN "mode 2 first latched count in [1, 50000] PASS"
        movl c1, %eax
        cmpl %eax, c2
        CHECK b, "mode 2 count did not decrease"
        PRINTLN "mode 2 count decreases PASS"

        # A latched value stays frozen until read: latch, wait 50 us, read (value from the latch
        # time), then latch and read at once. Without the latch both would be about equal.
        movb $0x00, %al
        outb %al, $0x43
        call spin_50us
        call read_count
        movl %eax, c1
        call latch_read
        movl %eax, c2
        movl c1, %eax
        subl c2, %eax
        cmpl $20, %eax          # 50 us is about 60 input clocks
        CHECK ge, "latched value did not hold"
        PRINTLN "mode 2 latched value held across 50 us PASS"

        # --- mode 3
        movl $0x36, %eax
        movl $DIV, %edx
        call pit_program
        call latch_read
        movl %eax, c1
        call spin_50us
        call latch_read
        movl %eax, c2
        movl c1, %eax
        cmpl %eax, c2
        CHECK b, "mode 3 count did not decrease"
        PRINTLN "mode 3 count decreases PASS"
        movl c1, %eax
        orl c2, %eax
        testl $1, %eax
        CHECK z, "mode 3 latched count is odd"
        PRINTLN "mode 3 latched counts even PASS"
        ret

# latch_read: EAX = channel 0 count (latch command, then low and high byte).
latch_read:
        movb $0x00, %al
        outb %al, $0x43
read_count:
        inb $0x40, %al
        movb %al, %ah
        inb $0x40, %al
        xchgb %al, %ah
        movzwl %ax, %eax
        ret

spin_50us:
        pushl %eax
        pushl %edx
        movl tsc_khz, %eax      # cycles = tsc_khz * 50 / 1000
        movl $50, %ecx
        mull %ecx
        movl $1000, %ecx
        divl %ecx
        movl %eax, %ecx
        popl %edx
        popl %eax
        jmp spin_tsc

        .data
c1: .long 0
c2: .long 0
        .text
