# singlestep: with EFLAGS.TF=1 the processor raises #DB (vector 1, a trap: EIP of the next
# instruction) after each instruction (SDM 3B 17.3.1.4 "Single-Step Exception Condition"). TF is
# sampled at the start of an instruction: the popf that sets TF is not followed by a #DB, the
# popf that clears it is. Delivery clears TF (SDM 3A 6.12.1.3), so the handler is not stepped;
# its iret restores TF from the frame. A taken jmp traps at its target. At CPL 3 the same happens,
# starting with the first instruction after the iret that loaded TF=1 (iret itself began with
# TF=0), each #DB switching to the ring-0 stack.
        .include "lib.inc"

main:
        SET_GATE 1, h_db, GATE_INT
        movl $0, steps
        pushfl
        orl $0x100, (%esp)
        popfl                   # TF=1 from here on; no #DB after this popf
s1:     nop
s2:     movl $5, %eax
s3:     addl $3, %eax
s4:     jmp s6
s5:     nop                     # skipped
s6:     pushfl
s7:     andl $~0x100, (%esp)
s8:     popfl                   # TF was 1 when it started: #DB after it, EIP = s9
s9:     PRINT "steps="
        PDEC steps
        PKV " eax=", %eax
        NL
        xorl %ecx, %ecx
1:      cmpl steps, %ecx
        jae 2f
        PRINT "step "
        PDEC %ecx
        movl eips(, %ecx, 4), %eax
        call print_label
        movl tfs(, %ecx, 4), %eax
        PKV " frame eflags.TF=", %eax
        NL
        incl %ecx
        cmpl $16, %ecx
        jb 1b
2:      PKV "handler eflags.TF=", h_tf
        NL

        # --- CPL 3: enter with TF=1 (EFLAGS image 0x302).
        movl $0, steps
        USER u1, 0x302
        PRINT "cpl3 steps="
        PDEC steps
        NL
        xorl %ecx, %ecx
1:      cmpl steps, %ecx
        jae 2f
        PRINT "cpl3 step "
        PDEC %ecx
        movl eips(, %ecx, 4), %eax
        call print_label
        movl css(, %ecx, 4), %eax
        PKV " cs=", %eax
        NL
        incl %ecx
        cmpl $16, %ecx
        jb 1b
2:      ret

# Ring 3, entered with TF=1.
u1:     nop
u2:     nop
u3:     pushfl
u4:     andl $~0x100, (%esp)
u5:     popfl
u6:     jmp user_exit

# print_label: EAX = address; prints " eip=<label>" for s1..s9 and u1..u6, else the address.
print_label:
        xorl %ebx, %ebx
1:      cmpl labels(, %ebx, 4), %eax
        je 2f
        incl %ebx
        cmpl $15, %ebx
        jb 1b
        PKV " eip=", %eax
        ret
2:      PRINT " eip="
        movl names(, %ebx, 4), %esi
        call puts
        ret

h_db:
        pushl %eax
        pushl %ebx
        pushfl
        popl %eax
        andl $0x100, %eax
        movl %eax, h_tf
        movl steps, %ebx
        cmpl $16, %ebx
        jae 1f
        movl 8(%esp), %eax      # frame EIP
        movl %eax, eips(, %ebx, 4)
        movl 12(%esp), %eax     # frame CS
        movl %eax, css(, %ebx, 4)
        movl 16(%esp), %eax     # frame EFLAGS
        andl $0x100, %eax
        movl %eax, tfs(, %ebx, 4)
1:      incl steps
        popl %ebx
        popl %eax
        iret

        .section .rodata
n_s1: .asciz "s1"
n_s2: .asciz "s2"
n_s3: .asciz "s3"
n_s4: .asciz "s4"
n_s5: .asciz "s5"
n_s6: .asciz "s6"
n_s7: .asciz "s7"
n_s8: .asciz "s8"
n_s9: .asciz "s9"
n_u1: .asciz "u1"
n_u2: .asciz "u2"
n_u3: .asciz "u3"
n_u4: .asciz "u4"
n_u5: .asciz "u5"
n_u6: .asciz "u6"
        .data
labels: .long s1, s2, s3, s4, s5, s6, s7, s8, s9, u1, u2, u3, u4, u5, u6
names:  .long n_s1, n_s2, n_s3, n_s4, n_s5, n_s6, n_s7, n_s8, n_s9
        .long n_u1, n_u2, n_u3, n_u4, n_u5, n_u6
css:    .space 64
steps: .long 0
h_tf: .long 0
eips: .space 64
tfs: .space 64
        .text
