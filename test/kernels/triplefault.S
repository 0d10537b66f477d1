# end: triple-fault
# triplefault: a contributory exception while delivering #DF shuts the processor down (SDM 3A
# 6.15 Interrupt 8: "If another contributory or page fault exception occurs while attempting to
# call the double-fault handler, the processor enters shutdown mode"; the PC chipset turns the
# shutdown into a reset). Here #GP -> #NP (gate 13 absent) -> #DF -> #NP (gate 8 absent).
# Under -no-reboot QEMU then exits with status 0 and no isa-debug-exit value; kdbt stops with
# its named triple-fault error. Nothing after "before triple fault" may be printed.
        .include "lib.inc"

main:
        GATE_ABSENT 13
        GATE_ABSENT 8
        PRINTLN "before triple fault"
        movw $0x1000, %ax
        movw %ax, %fs           # #GP
        PRINTLN "FAIL no triple fault"
        EXIT EXIT_FAIL
