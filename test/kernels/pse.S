# pse: 4 MiB pages (SDM 3A 4.3 "32-Bit Paging", Table 4-4: a PDE with PS=1 while CR4.PSE=1 maps a
# 4 MiB page; bits 31:22 give its physical base). The PDE itself carries A and D (4.8) and the
# U/S and R/W rights (4.6).
# PDE 2 (0x800000) -> physical 0, supervisor RW; PDE 3 (0xc00000) -> physical 0, user read-only.
        .include "lib.inc"

        .set ALIAS, 0x800000            # linear ALIAS + x reaches physical x
        .set UALIAS, 0xc00000

        .macro SHOW step
        movl pg_dir + 2 * 4, %eax
        andl $0xfff, %eax
        PKV "\step: pde flags=", %eax
        NL
        .endm

main:
        movl $0x600df00d, magic
        movl %cr4, %eax
        orl $0x10, %eax                 # CR4.PSE
        movl %eax, %cr4
        movl $0x00000083, pg_dir + 2 * 4        # PS P RW, base 0
        movl $0x00000085, pg_dir + 3 * 4        # PS P US, base 0 (user read-only)
        call paging_on
        SHOW "cleared"

        movl magic + ALIAS, %eax        # read through the 4 MiB page
        PKV "read magic through 4M page=", %eax
        NL
        SHOW "after read"
        movl $0x0badcafe, magic + ALIAS
        PKV "write through 4M page, read identity=", magic
        NL
        SHOW "after write"

        # An offset above 4 KiB inside the page: 0x800000 + (far - 0) reaches `far`.
        movl $0x12345678, far
        PKV "far offset read=", far + ALIAS
        NL

        # CPL 3 through the user read-only 4 MiB page: read ok, write #PF(P|W|U = 7).
        movl $magic + UALIAS, %ebx
        USER u_read, 0x202
        PKV "r3 read through user 4M page=", sys_regs + R_ECX
        NL
        EXPECT 14, user_exit
        movl $magic + UALIAS, %ebx
        USER u_write, 0x202
        UNEXPECT 14
        movl $magic + UALIAS, %eax      # CR2 relative to the expected address
        subl %eax, trap_cr2
        REPORT_PF "r3 write user read-only 4M page (cr2 relative)", u_write
        # CPL 3 through the supervisor 4 MiB page: #PF(P|U = 5).
        EXPECT 14, user_exit
        movl $magic + ALIAS, %ebx
        USER u_read, 0x202
        UNEXPECT 14
        movl $magic + ALIAS, %eax
        subl %eax, trap_cr2
        REPORT_PF "r3 read supervisor 4M page (cr2 relative)", u_read
        call paging_off
        ret

u_read:
        movl (%ebx), %ecx
        jmp user_exit
u_write:
        movl $0x55aa55aa, (%ebx)
        jmp user_exit

        .data
magic: .long 0
        .bss
        .balign 4096
        .space 3 * 4096
far:    .long 0
        .text
