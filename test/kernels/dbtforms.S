# dbtforms: ring-0 code, interrupts on, going through every instruction form a kernel DBT rewrites:
# direct call and ret, call through a register, through memory and through an ESP-relative slot,
# jmp through a register and through memory, ret imm16, loop and jecxz, jcc both ways, and sidt.
# Natively this is plain code; under kdbt's DBT it is the fault-injection target (test/dbt): an
# interrupt can land between any two host instructions of any rewritten form. The checksum depends
# only on the code's own arithmetic, never on interrupts, so QEMU and kdbt print the same line.
        .include "lib.inc"

main:
        SET_GATE 0x20, h_irq0, GATE_INT
        movb $0xfe, %al                 # unmask IRQ0 only
        outb %al, $0x21
        xorl %esi, %esi                 # the checksum
        movl $200, %edi                 # iterations
        sti
loop_top:
        call f_inc                      # direct call: push native return + jmp; ret: pop + lookup
        movl $f_mix, %eax
        call *%eax                      # indirect call through a register
        call *fptr                      # indirect call through memory
        pushl $f_inc
        call *(%esp)                    # ESP-relative target, read before the return address is pushed
        addl $4, %esp
        movl $1f, %edx
        jmp *%edx                       # indirect jmp through a register
1:      jmp *jptr                       # indirect jmp through memory
2:      pushl $7
        call f_retimm                   # ret $4 pops the argument too
        movl $5, %ecx
3:      addl %ecx, %esi                 # loop five times
        loop 3b
        xorl %ecx, %ecx
        jecxz 4f                        # taken
        addl $0x1000, %esi
4:      movl %edi, %eax
        andl $1, %eax
        jz 5f                           # taken on even iterations
        rorl $3, %esi
5:      sidt idt_copy                   # sidt: emulated by the DBT, must show the guest's IDTR
        movl idt_copy+2, %eax
        xorl idt_ptr+2, %eax            # 0 if sidt returned what lidt loaded
        addl %eax, %esi
        decl %edi
        jnz loop_top
        cli
        movb $0xff, %al
        outb %al, $0x21
        PKV "dbtforms checksum=", %esi
        NL
        ret

f_inc:  incl %esi
        ret
f_mix:  leal 0x11(%esi,%esi,2), %esi
        ret
f_retimm:
        movl 4(%esp), %eax
        addl %eax, %esi
        ret $4

h_irq0: pushl %eax
        incl irq_count
        movb $0x20, %al                 # non-specific EOI
        outb %al, $0x20
        popl %eax
        iret

        .data
fptr:   .long f_mix
jptr:   .long 2b
idt_copy: .space 6
irq_count: .long 0
