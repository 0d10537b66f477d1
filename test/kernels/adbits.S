# adbits: the processor sets the accessed flag (bit 5) in the PDE and PTE it uses, and the dirty
# flag (bit 6) in the PTE of a page it writes (SDM 3A 4.8 "Accessed and Dirty Flags"). Bit 6 of a
# PDE that points to a page table is ignored, so only the PDE's A bit is printed. A write that
# faults writes nothing, so it sets no D bit. Each step clears the bits and invlpg's the page
# first, so the TLB has no entry that already carries them.
        .include "lib.inc"

        .set VA, 0x404000
        .set PTE_ADDR, pg_tab1 + ((VA >> 12) & 0x3ff) * 4

# SHOW "step": print the PTE flags (low 12 bits) and the PDE's A bit.
        .macro SHOW step
        movl PTE_ADDR, %eax
        andl $0xfff, %eax
        PKV "\step: pte flags=", %eax
        movl pg_dir + 4, %eax
        shrl $5, %eax
        andl $1, %eax
        PRINT " pde A="
        PDEC %eax
        NL
        .endm

# RESET flags: PTE = frame_a | flags, clear the PDE's A bit, flush the page from the TLB.
        .macro RESET flags
        movl $frame_a + \flags, PTE_ADDR
        andl $~0x20, pg_dir + 4
        invlpg VA
        .endm

main:
        SET_PTE1 VA, frame_a + 7
        call paging_on

        RESET 7
        SHOW "cleared"
        movl VA, %eax
        SHOW "r0 read"
        movl $1, VA
        SHOW "r0 then write"

        RESET 7
        movl $2, VA + 4
        SHOW "r0 write only"

        RESET 7
        movl $VA, %ebx
        USER u_read, 0x202
        SHOW "r3 read"

        RESET 7
        movl $VA, %ebx
        USER u_write, 0x202
        SHOW "r3 write"

        # A faulting write (CPL 3, read-only user page): D stays 0. A is masked: whether a
        # faulting access sets A is not architecturally fixed.
        RESET 5
        EXPECT 14, user_exit
        movl $VA, %ebx
        USER u_write, 0x202
        UNEXPECT 14
        REPORT_PF "r3 write read-only", u_write
        movl PTE_ADDR, %eax
        andl $0xfdf, %eax
        PKV "r3 faulting write: pte flags&~A=", %eax
        NL
        call paging_off
        ret

u_read:
        movl (%ebx), %ecx
        jmp user_exit
u_write:
        movl $0x55aa55aa, (%ebx)
        jmp user_exit

        .bss
        .balign 4096
frame_a: .space 4096
        .text
