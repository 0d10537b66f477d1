# tss: the stack switch on an interrupt from CPL 3 to CPL 0 takes SS:ESP from the TSS fields
# ss0/esp0, read at each delivery (SDM 3A 6.12.1 "if the handler is at a numerically lower
# privilege level, a stack switch occurs ... from the TSS"; 8.2.1 for the fields). No switch
# happens for an interrupt at CPL 0 (frames covers that).
        .include "lib.inc"

main:
        # 1: esp0 = ring0_stack_top (the lib's default), ss0 = KDATA.
        USER u_call, 0x202
        PRINT "esp0=ring0_stack_top ss0=0x10:"
        call show

        # 2: esp0 moved to another stack.
        movl $alt_stack_top, tss_esp0
        USER u_call, 0x202
        PRINT "esp0=alt_stack_top ss0=0x10:"
        call show

        # 3: ss0 = KDATA2 (another flat DPL-0 data descriptor): the handler's SS is 0x30.
        movl $KDATA2, tss_ss0
        USER u_call, 0x202
        PRINT "esp0=alt_stack_top ss0=0x30:"
        call show

        movl $ring0_stack_top, tss_esp0
        movl $KDATA, tss_ss0
        ret

show:
        PRINT " handler "
        movl tss_esp0, %eax
        subl sys_handler_esp, %eax
        PKV "esp=esp0-", %eax
        PKV " ss=", sys_handler_ss
        PKV " frame ss=", sys_ss
        movl $user_stack_top, %eax
        subl sys_esp, %eax
        PKV " frame esp=user_stack_top-", %eax
        NL
        ret

u_call:
        pushl $0                # user ESP 4 below the top
        jmp user_exit

        .bss
        .balign 16
        .space 1024
alt_stack_top:
        .text
