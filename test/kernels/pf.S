# pf: #PF error code bits and CR2 (SDM 3A 4.7 "Page-Fault Exceptions", Figure 4-12: bit 0 P =
# protection violation (1) vs not-present page (0), bit 1 W/R = write, bit 2 U/S = CPL 3 access;
# bit 4 I/D only with PAE+NXE or SMEP, so a fetch reports 0 here), the combined rights of the
# two levels (4.6 "Access Rights": U/S and R/W of the PDE and the PTE both apply), and CR0.WP
# for supervisor writes to read-only pages (4.6.1). A faulting access writes nothing.
# Test mappings (pg_tab1): 0x400000 not present, 0x401000 supervisor RW -> A, 0x402000 user RO
# -> B, 0x403000 supervisor RO -> C. pg_tab2 at 0x800000: PDE supervisor, PTE user RW -> A;
# pg_tab3 at 0xc00000: PDE user RO, PTE user RW -> A.
        .include "lib.inc"

# R3PF "name", fragment, address: run a ring-3 fragment with EBX=address, expecting #PF; the
# report's EIP is relative to the fragment (its first instruction is the access).
        .macro R3PF name, frag, addr
        EXPECT 14, user_exit
        movl $\addr, %ebx
        USER \frag, 0x202
        REPORT_PF "\name", \frag
        .endm

main:
        movl $0xaaaa0001, frame_a
        movl $0xbbbb0002, frame_b
        movl $0xcccc0003, frame_c
        SET_PTE1 0x401000, frame_a + 3          # P RW
        SET_PTE1 0x402000, frame_b + 5          # P US
        SET_PTE1 0x403000, frame_c + 1          # P
        movl $pg_tab2 + 3, pg_dir + 2 * 4       # PDE: P RW (supervisor)
        movl $frame_a + 7, pg_tab2              # PTE: P RW US
        movl $pg_tab3 + 5, pg_dir + 3 * 4       # PDE: P US (read-only)
        movl $frame_a + 7, pg_tab3              # PTE: P RW US
        call paging_on

        # --- CPL 0
        EXPECT 14, 1f
0:      movl 0x400000, %eax
1:      REPORT_PF "r0 read not-present", 0b
        EXPECT 14, 1f
0:      movl %eax, 0x400004
1:      REPORT_PF "r0 write not-present", 0b
        EXPECT 14, 1f
        movl $0x400ff0, %eax
        jmp *%eax               # the fetch at 0x400ff0 faults; EIP = CR2 = 0x400ff0
1:      REPORT_PF "r0 fetch not-present", 0x400ff0

        # --- CPL 3
        R3PF "r3 read not-present", u_read, 0x400000
        R3PF "r3 write not-present", u_write, 0x400008
        R3PF "r3 read supervisor page", u_read, 0x401000
        R3PF "r3 write supervisor page", u_write, 0x401010
        R3PF "r3 write user read-only page", u_write, 0x402020
        R3PF "r3 read user page under supervisor pde", u_read, 0x800000
        R3PF "r3 write user rw pte under read-only pde", u_write, 0xc00004
        UNEXPECT 14
        PKV "memory after the faulting writes: A=", frame_a
        PKV " B=", frame_b
        NL
        movl $0x402000, %ebx
        USER u_read, 0x202
        PKV "r3 read user read-only page ok: ", sys_regs + R_ECX
        NL
        movl $0xc00000, %ebx
        USER u_read, 0x202
        PKV "r3 read through read-only pde ok: ", sys_regs + R_ECX
        NL

        # --- CR0.WP: supervisor writes to read-only pages succeed with WP=0, fault with WP=1.
        movl $0xcccc1111, 0x403000      # supervisor RO page, WP=0
        movl $0xbbbb1111, 0x402000      # user RO page, WP=0
        PKV "r0 WP=0 write read-only pages ok: C=", frame_c
        PKV " B=", frame_b
        NL
        movl %cr0, %eax
        orl $0x00010000, %eax
        movl %eax, %cr0
        EXPECT 14, 1f
0:      movl $0xcccc2222, 0x403004
1:      REPORT_PF "r0 WP=1 write supervisor read-only", 0b
        EXPECT 14, 1f
0:      movl $0xbbbb2222, 0x402008
1:      UNEXPECT 14
        REPORT_PF "r0 WP=1 write user read-only", 0b
        PKV "memory after the faulting writes: C+4=", frame_c + 4
        PKV " B+8=", frame_b + 8
        NL
        movl %cr0, %eax
        andl $~0x00010000, %eax
        movl %eax, %cr0
        call paging_off
        ret

# Ring-3 fragments: EBX = address.
u_read:
        movl (%ebx), %ecx
        jmp user_exit
u_write:
        movl $0x55aa55aa, (%ebx)
        jmp user_exit

        .bss
        .balign 4096
frame_a: .space 4096
frame_b: .space 4096
frame_c: .space 4096
pg_tab2: .space 4096
pg_tab3: .space 4096
        .text
