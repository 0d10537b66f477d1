# rdtsc: the time-stamp counter never goes backwards and, since every instruction takes time,
# two reads in a row differ (SDM 3B 18.17 "Time-Stamp Counter"). Under QEMU -icount shift=0 the
# TSC counts instructions (1 ns each); kdbt counts cycles. Only PASS/FAIL is printed.
# Also RDTSC is allowed at CPL 3 while CR4.TSD = 0 (SDM 2B RDTSC).
        .include "lib.inc"

        .set READS, 1000

main:
        rdtsc
        movl %eax, last_lo
        movl %edx, last_hi
        movl $READS, %ecx
1:      rdtsc
        cmpl last_hi, %edx      # 64-bit compare: (edx:eax) > (last_hi:last_lo)
        ja 2f
        CHECK e, "rdtsc went backwards (high word)"
        cmpl last_lo, %eax
        CHECK a, "rdtsc did not increase"
2:      movl %eax, last_lo
        movl %edx, last_hi
        loop 1b
        PRINTLN "rdtsc strictly increasing over 1000 reads PASS"

        USER u_rdtsc, 0x202
        movl sys_regs + R_EBX, %eax
        movl sys_regs + R_ESI, %edx     # (ESI:EBX) = the value read at CPL 3
        cmpl last_hi, %edx
        ja 3f
        CHECK e, "cpl3 rdtsc went backwards (high word)"
        cmpl last_lo, %eax
        CHECK a, "cpl3 rdtsc did not increase"
3:      PRINTLN "rdtsc at cpl3 (CR4.TSD=0): no fault, later than cpl0 reads PASS"
        ret

u_rdtsc:
        rdtsc
        movl %eax, %ebx
        movl %edx, %esi
        jmp user_exit

        .data
last_lo: .long 0
last_hi: .long 0
        .text
