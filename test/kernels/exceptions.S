# exceptions: vector, error code and saved EIP of the simple exceptions at CPL 0 (SDM 3A 6.15,
# "Exception and Interrupt Reference"; Table 6-1 for fault vs trap; 6.13 for error codes).
# A fault saves the EIP of the faulting instruction, a trap the EIP of the next one.
        .include "lib.inc"

main:
        # #DE (fault, no error code): divide by zero.
        EXPECT 0, 1f
        xorl %edx, %edx
        movl $7, %eax
        xorl %ecx, %ecx
0:      divl %ecx
1:      REPORT "de divide by zero", 0b

        # #DE: quotient too large for 32 bits (EDX:EAX = 2^32, divisor 1).
        EXPECT 0, 1f
        movl $1, %edx
        xorl %eax, %eax
        movl $1, %ecx
0:      divl %ecx
1:      UNEXPECT 0
        REPORT "de quotient overflow", 0b

        # #BP (trap): int3 is one byte; EIP after it.
        EXPECT 3, 0
        int3
1:      UNEXPECT 3
        REPORT "bp int3", 1b

        # #OF (trap): into with OF=1.
        EXPECT 4, 0
        movl $0x7fffffff, %eax
        addl $1, %eax
        into
1:      REPORT "of into OF=1", 1b

        # into with OF=0: nothing is delivered (n=0).
        EXPECT 4, 0
        movl $1, %eax
        addl $1, %eax
        into
1:      UNEXPECT 4
        REPORT "of into OF=0", 1b

        # #UD (fault): ud2.
        EXPECT 6, 1f
0:      ud2
1:      REPORT "ud ud2", 0b

        # #GP (fault) with a selector error code: index 0x200 is beyond the GDT limit.
        EXPECT 13, 1f
        movw $0x1000, %ax
0:      movw %ax, %es
1:      UNEXPECT 13
        REPORT "gp selector beyond gdt limit", 0b

        # #NP (fault): int n through a not-present gate: error code 0x41*8+2 = 0x20a (IDT bit;
        # EXT=0 because INT n is a software interrupt).
        GATE_ABSENT 0x41
        EXPECT 11, 1f
0:      int $0x41
1:      REPORT "np int 0x41 absent gate", 0b

        # #UD through a not-present gate: #UD is benign, so the #NP raised while delivering it
        # is delivered normally, not as #DF (SDM 3A 6.15 Table 6-5). Error code 6*8+2 plus EXT;
        # the SDM sets EXT (the event was not software-generated), QEMU 7.2 does not: printed
        # with EXT masked (README).
        GATE_ABSENT 6
        EXPECT 11, 1f
0:      ud2
1:      UNEXPECT 11
        GATE_PRESENT 6
        andl $~1, trap_err
        REPORT "np ud2 absent gate (EXT masked)", 0b
        ret
