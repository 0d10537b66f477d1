# cpuid: CPUID executes without faulting at CPL 0 and CPL 3 and writes only EAX, EBX, ECX, EDX
# (SDM 2A CPUID). Its results differ between QEMU and kdbt, so none is printed.
        .include "lib.inc"

main:
        movl $0x11111111, %esi
        movl $0x22222222, %edi
        movl $0x33333333, %ebp
        movl %esp, saved_esp
        xorl %eax, %eax
        cpuid                   # leaf 0: max basic leaf and vendor
        movl $1, %eax
        cpuid                   # leaf 1: family/model/features
        cmpl $0x11111111, %esi
        CHECK e, "cpuid changed esi"
        cmpl $0x22222222, %edi
        CHECK e, "cpuid changed edi"
        cmpl $0x33333333, %ebp
        CHECK e, "cpuid changed ebp"
        cmpl saved_esp, %esp
        CHECK e, "cpuid changed esp"
        PRINTLN "cpuid leaf 0 and 1 at cpl0: no fault, esi edi ebp esp kept PASS"
        movl $0, sys_count
        USER u_cpuid, 0x202
        PRINTLN "cpuid at cpl3: no fault PASS"
        ret

u_cpuid:
        xorl %eax, %eax
        cpuid
        jmp user_exit

        .data
saved_esp: .long 0
        .text
