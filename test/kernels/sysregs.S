# sysregs: system registers round trips. lgdt/sgdt and lidt/sidt with a 32-bit operand size store
# the 16-bit limit and the full 32-bit base (SDM 2B SGDT/SIDT); ltr marks the TSS busy and str
# reads TR (SDM 2A LTR, 2B STR: a 32-bit register destination is zero-extended on P6 and later,
# a memory destination is 16 bits); mov to/from CR0/CR2/CR3/CR4 (SDM 3A 2.5).
        .include "lib.inc"

main:
        # --- GDTR
        sgdt d_ptr
        call show_ptr_gdt
        # Load a copy of the GDT, reload the data segments from it, read it back, restore.
        movl $gdt, %esi
        movl $gdt_copy, %edi
        movl $GDT_LIMIT + 1, %ecx
        rep movsb
        lgdt copy_gdt_ptr
        movw $KDATA, %ax
        movw %ax, %ds
        movw %ax, %ss
        ljmp $KCODE, $1f
1:      sgdt d_ptr
        movzwl d_ptr, %eax
        PKV "lgdt copy: sgdt limit=", %eax
        movl d_ptr + 2, %eax
        subl $gdt_copy, %eax
        PKV " base=gdt_copy+", %eax
        NL
        lgdt gdt_ptr
        ljmp $KCODE, $1f
1:      movw $KDATA, %ax
        movw %ax, %ds
        movw %ax, %ss
        sgdt d_ptr
        call show_ptr_gdt

        # --- IDTR
        sidt d_ptr
        movzwl d_ptr, %eax
        PKV "sidt limit=", %eax
        movl d_ptr + 2, %eax
        subl $idt, %eax
        PKV " base=idt+", %eax
        NL
        # A shorter IDT (the same table, limit covering vectors 0..0x3f only): int $0x41 is
        # beyond the limit: #GP(0x41*8+2), SDM 3A 6.10 / 6.12.1.1.
        lidt short_idt_ptr
        sidt d_ptr
        movzwl d_ptr, %eax
        PKV "lidt short: sidt limit=", %eax
        movl d_ptr + 2, %eax
        subl $idt, %eax
        PKV " base=idt+", %eax
        NL
        EXPECT 13, 1f
0:      int $0x41
1:      UNEXPECT 13
        REPORT "int 0x41 beyond idt limit", 0b
        lidt idt_ptr

        # --- TR
        movl $0xffffffff, %eax
        str %eax
        PKV "str r32=", %eax
        movl $0xffffffff, d_word
        str d_word
        PKV " str m16=", d_word
        NL
        movzbl gdt + TSSSEL + 5, %eax
        PKV "tss descriptor access byte after ltr=", %eax       # 0x8b: type 11, busy
        NL
        EXPECT 13, 1f
        movw $TSSSEL, %ax
0:      ltr %ax                 # busy TSS: #GP(0x28)
1:      REPORT "ltr busy tss", 0b
        EXPECT 13, 1f
        movw $KDATA, %ax
0:      ltr %ax                 # not a TSS: #GP(0x10)
1:      UNEXPECT 13
        REPORT "ltr data segment", 0b
        andb $~0x02, gdt + TSSSEL + 5   # mark it available again, then ltr works
        movw $TSSSEL, %ax
        ltr %ax
        movzbl gdt + TSSSEL + 5, %eax
        PKV "ltr again: access byte=", %eax
        str %eax
        PKV " str=", %eax
        NL

        # --- CR0: ET (bit 4) is hardwired to 1 on P6 and later (SDM 3A 2.5).
        movl %cr0, %eax
        PKV "cr0=", %eax
        orl $0x00010000, %eax   # WP
        movl %eax, %cr0
        movl %cr0, %eax
        PKV " +WP=", %eax
        movl $0x00000001, %eax  # PE only: ET reads back as 1
        movl %eax, %cr0
        movl %cr0, %eax
        PKV " write 0x1 reads=", %eax
        NL
        # --- CR2: an ordinary read/write register outside #PF.
        movl $0x12345678, %eax
        movl %eax, %cr2
        xorl %eax, %eax
        movl %cr2, %eax
        PKV "cr2=", %eax
        # --- CR3: paging is off, so any page-aligned value is harmless.
        movl $0x00abc000, %eax
        movl %eax, %cr3
        xorl %eax, %eax
        movl %cr3, %eax
        PKV " cr3=", %eax
        # --- CR4: PSE.
        movl %cr4, %eax
        PKV " cr4=", %eax
        orl $0x10, %eax
        movl %eax, %cr4
        movl %cr4, %eax
        PKV " +PSE=", %eax
        xorl %eax, %eax
        movl %eax, %cr4
        movl %cr4, %eax
        PKV " cleared=", %eax
        NL
        ret

show_ptr_gdt:
        movzwl d_ptr, %eax
        PKV "sgdt limit=", %eax
        movl d_ptr + 2, %eax
        subl $gdt, %eax
        PKV " base=gdt+", %eax
        NL
        ret

        .data
        .balign 8
gdt_copy: .space GDT_LIMIT + 1
        .balign 4
        .word 0
copy_gdt_ptr:
        .word GDT_LIMIT
        .long gdt_copy
        .word 0
short_idt_ptr:
        .word 0x40 * 8 - 1
        .long idt
        .balign 4
        .word 0
d_ptr:  .word 0
        .long 0
d_word: .long 0
        .text
