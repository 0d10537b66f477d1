# tlb: after a PTE changes, invlpg of the page or a CR3 write makes the processor use the new
# entry (SDM 3A 4.10.4.1 "Operations that Invalidate TLBs and Paging-Structure Caches"). What a
# stale TLB entry would give before the invalidation is implementation specific (4.10.4.3), so
# nothing is printed between a change and its invalidation: each value printed is read after it.
        .include "lib.inc"

        .set VA, 0x405000
        .set PTE_ADDR, pg_tab1 + ((VA >> 12) & 0x3ff) * 4

main:
        movl $0xaaaaaaaa, frame_a
        movl $0xbbbbbbbb, frame_b
        movl $0xcccccccc, frame_c
        movl $frame_a + 3, PTE_ADDR
        call paging_on
        movl VA, %eax
        PKV "initial mapping A: read=", %eax
        NL

        # Remap to B, invlpg, read.
        movl $frame_b + 3, PTE_ADDR
        invlpg VA
        movl VA, %eax
        PKV "remap to B + invlpg: read=", %eax
        NL

        # Remap to A, reload CR3 with the same value, read.
        movl $frame_a + 3, PTE_ADDR
        movl %cr3, %eax
        movl %eax, %cr3
        movl VA, %eax
        PKV "remap to A + cr3 reload: read=", %eax
        NL

        # Unmap, invlpg: the next access faults.
        movl $0, PTE_ADDR
        invlpg VA
        EXPECT 14, 1f
0:      movl VA, %eax
1:      UNEXPECT 14
        REPORT_PF "unmap + invlpg: read", 0b

        # invlpg of one page leaves the others' translations correct: map VA and VA+0x1000,
        # change only VA+0x1000, invlpg it, read both.
        movl $frame_a + 3, PTE_ADDR
        movl $frame_b + 3, PTE_ADDR + 4
        invlpg VA
        invlpg VA + 0x1000
        movl VA, %eax
        movl VA + 0x1000, %eax
        movl $frame_c + 3, PTE_ADDR + 4
        invlpg VA + 0x1000
        movl VA, %eax
        PKV "two pages, remap second to C + invlpg: first=", %eax
        movl VA + 0x1000, %eax
        PKV " second=", %eax
        NL

        # A second address space: pg_dir2 is pg_dir with PDE 1 -> pg_tab1b, where VA -> C.
        movl $pg_dir, %esi
        movl $pg_dir2, %edi
        movl $1024, %ecx
        rep movsl
        movl $pg_tab1b + 3, pg_dir2 + 4
        movl $frame_c + 3, pg_tab1b + ((VA >> 12) & 0x3ff) * 4
        movl $pg_dir2, %eax
        movl %eax, %cr3
        movl VA, %eax
        PKV "cr3 -> second directory: read=", %eax
        movl $pg_dir, %eax
        movl %eax, %cr3
        movl VA, %eax
        PKV " cr3 -> first directory: read=", %eax
        NL
        call paging_off
        ret

        .bss
        .balign 4096
frame_a: .space 4096
frame_b: .space 4096
frame_c: .space 4096
pg_dir2: .space 4096
pg_tab1b: .space 4096
        .text
