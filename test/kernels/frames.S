# frames: the words the CPU pushes when it delivers an interrupt or exception, without and with
# a privilege change, with and without an error code (SDM 3A 6.12.1 and Figure 6-4; 6.13 for the
# error code). Every pushed word is printed relative to a value the kernel knows: the ESP before
# the event (or esp0 from the TSS), the label of the instruction, the selectors, the EFLAGS image
# the kernel set itself. The slots are pre-filled with a pattern so a half-written slot shows.
        .include "lib.inc"

        .set PATTERN, 0xa5a5a5a5

# FILL_BELOW: pattern the 64 bytes below ESP (the slots the next event pushes into).
        .macro FILL_BELOW
        movl %esp, %edi
        subl $64, %edi
        movl $16, %ecx
        movl $PATTERN, %eax
        rep stosl
        .endm

# REL label: EAX -= label (print an EIP relative to its label).
        .macro REL lab
        subl $\lab, %eax
        .endm

main:
        SET_GATE 0x42, h_noerr, GATE_INT_U      # int $0x42 works from ring 0 and ring 3
        SET_GATE 13, h_err, GATE_INT            # #GP

        # --- A: int $0x42 at CPL 0: same stack, no error code: EIP, CS, EFLAGS (12 bytes).
        FILL_BELOW
        pushl $0x00000ed7       # OF DF IF SF ZF AF PF CF and reserved bit 1; TF=0
        popfl
        movl %esp, esp_before
        int $0x42
a_ret:  pushfl
        popl eflags_after
        cld
        movl esp_before, %eax
        subl h_esp, %eax
        PKV "A r0 int: handler esp=esp_before-", %eax
        NL
        movl frame + 0, %eax
        REL a_ret
        PKV "A [0] eip=a_ret+", %eax
        NL
        PKV "A [1] cs=", frame + 4
        NL
        PKV "A [2] eflags=", frame + 8
        NL
        PKV "A handler eflags=", h_eflags       # interrupt gate: IF, TF, NT, RF, VM cleared
        PKV " cs=", h_cs
        PKV " ss=", h_ss
        NL
        PKV "A after iret eflags=", eflags_after
        NL

        # --- B: #GP(0x1000) at CPL 0 (selector beyond the GDT limit): same stack, error code
        # below EIP (16 bytes). A fault: EIP is the faulting instruction.
        FILL_BELOW
        pushl $0x00000a83       # OF IF SF CF and bit 1
        popfl
        movl $b_resume, gp_resume
        movl %esp, esp_before
        movw $0x1000, %ax
b_fault:
        movw %ax, %fs
b_resume:
        movl esp_before, %eax
        subl h_esp, %eax
        PKV "B r0 #GP: handler esp=esp_before-", %eax
        NL
        PKV "B [0] err=", frame + 0
        NL
        movl frame + 4, %eax
        REL b_fault
        PKV "B [1] eip=b_fault+", %eax
        NL
        PKV "B [2] cs=", frame + 8
        NL
        movl frame + 12, %eax
        andl $~0x10000, %eax    # RF: the SDM pushes RF=1 for faults, QEMU 7.2 RF=0 (README)
        PKV "B [3] eflags&~RF=", %eax
        NL

        # --- C: int $0x42 at CPL 3 through a DPL-3 gate: switch to ss0:esp0 from the TSS, then
        # push SS, ESP, EFLAGS, CS, EIP (20 bytes) on the new stack.
        call fill_ring0_stack
        USER c_user, 0x00000ad7         # OF IF SF ZF AF PF CF, IOPL 0
        movl tss_esp0, %eax
        subl h_esp, %eax
        PKV "C r3 int: handler esp=esp0-", %eax
        NL
        movl frame + 0, %eax
        REL c_ret
        PKV "C [0] eip=c_ret+", %eax
        NL
        PKV "C [1] cs=", frame + 4
        NL
        PKV "C [2] eflags=", frame + 8
        NL
        movl $user_stack_top, %eax
        subl frame + 12, %eax
        PKV "C [3] esp=user_stack_top-", %eax
        NL
        PKV "C [4] ss=", frame + 16
        NL
        PKV "C handler eflags=", h_eflags
        PKV " cs=", h_cs
        PKV " ss=", h_ss
        NL

        # --- D: #GP(0x10) at CPL 3 (loading a DPL-0 data selector): stack switch and error
        # code (24 bytes).
        call fill_ring0_stack
        movl $user_exit, gp_resume
        USER d_user, 0x00000ad7
        movl tss_esp0, %eax
        subl h_esp, %eax
        PKV "D r3 #GP: handler esp=esp0-", %eax
        NL
        PKV "D [0] err=", frame + 0
        NL
        movl frame + 4, %eax
        REL d_fault
        PKV "D [1] eip=d_fault+", %eax
        NL
        PKV "D [2] cs=", frame + 8
        NL
        movl frame + 12, %eax
        andl $~0x10000, %eax    # RF masked, as in B
        PKV "D [3] eflags&~RF=", %eax
        NL
        movl $user_stack_top, %eax
        subl frame + 16, %eax
        PKV "D [4] esp=user_stack_top-", %eax
        NL
        PKV "D [5] ss=", frame + 20
        NL
        ret

# Ring-3 code for C and D.
c_user:
        int $0x42
c_ret:  jmp user_exit           # the iret from h_noerr came back to CPL 3 here

d_user:
        movw $KDATA, %ax
d_fault:
        movw %ax, %ds           # CPL 3 > DPL 0: #GP(0x10), SDM 3A 5.7 / 6.15 Interrupt 13
        jmp user_exit           # not reached: h_err resumes at user_exit

fill_ring0_stack:
        movl $ring0_stack_top - 64, %edi
        movl $16, %ecx
        movl $PATTERN, %eax
        rep stosl
        ret

# h_noerr / h_err: record the entry ESP, the 6 words above it, and (h_noerr) the handler's own
# EFLAGS/CS/SS. They run with whatever DS the interrupted code had: KDATA, or UDATA from ring 3,
# which is flat and usable at CPL 0 too.
h_noerr:
        pushfl                  # first: EFLAGS exactly as the gate left them
        popl h_eflags
        movl %esp, h_esp
        pushal
        call copy_frame
        movl %cs, %eax
        movl %eax, h_cs
        movl %ss, %eax
        movl %eax, h_ss
        popal
        iret

h_err:
        movl %esp, h_esp
        pushal
        call copy_frame
        movl gp_resume, %eax
        movl %eax, 36(%esp)     # frame EIP: above the pushal block and the error code
        popal
        addl $4, %esp           # iret does not pop the error code
        iret

copy_frame:
        movl h_esp, %esi
        xorl %ecx, %ecx
1:      movl (%esi, %ecx, 4), %eax
        movl %eax, frame(, %ecx, 4)
        incl %ecx
        cmpl $6, %ecx
        jb 1b
        ret

        .data
esp_before: .long 0
eflags_after: .long 0
gp_resume: .long 0
h_esp: .long 0
h_eflags: .long 0
h_cs: .long 0
h_ss: .long 0
frame: .space 24
        .text
