# cmdline: mbentry-test alpha=1 beta=2
# mbentry: the machine state QEMU's multiboot loader leaves at the kernel entry point, and the
# multiboot information structure it builds (Multiboot Specification 0.6.96, section 3.2 "Machine
# state" and 3.3 "Boot information format"). lib.inc saved the registers before touching them.
# kdbt's loader must produce the same; README.md lists which values the spec defines and which
# are only what QEMU happens to leave.
        .include "lib.inc"

main:
        PKV "eax=", mb_eax              # spec: 0x2badb002
        NL
        movl mb_ebx, %ebx               # the address itself is QEMU's choice: not printed
        PKV "flags=", (%ebx)
        NL
        PRINT "mem_lower="              # flags bit 0: KiB of lower / upper memory
        PDEC 4(%ebx)
        PRINT " mem_upper="
        PDEC 8(%ebx)
        NL
        PKV "boot_device=", 12(%ebx)    # flags bit 1
        NL
        PRINT "cmdline=\""              # flags bit 2; QEMU passes "<kernel file> <-append>"
        movl 16(%ebx), %esi
        call puts
        PRINTLN "\""
        PRINT "mods_count="             # flags bit 3
        PDEC 20(%ebx)
        NL
        PRINT "mmap_length="            # flags bit 6
        PDEC 44(%ebx)
        NL
        # Memory map entries: size (not counting itself), base_addr (64), length (64), type.
        movl 48(%ebx), %esi             # mmap_addr
        movl %esi, %edi
        addl 44(%ebx), %edi             # end of the map
        xorl %ecx, %ecx
1:      cmpl %edi, %esi
        jae 2f
        PRINT "mmap["
        PDEC %ecx
        PRINT "] size="
        PDEC (%esi)
        PRINT " base="
        PHEX 8(%esi)
        PRINT ":"
        PHEX 4(%esi)
        PRINT " length="
        PHEX 16(%esi)
        PRINT ":"
        PHEX 12(%esi)
        PRINT " type="
        PDEC 20(%esi)
        NL
        movl (%esi), %eax
        leal 4(%esi, %eax), %esi
        incl %ecx
        jmp 1b
2:      PRINT "boot_loader_name=\""     # flags bit 9
        pushl %esi
        movl 64(%ebx), %esi
        call puts
        popl %esi
        PRINTLN "\""

        PKV "cr0=", mb_cr0              # spec: PE=1, PG=0
        PKV " cr3=", mb_cr3
        PKV " cr4=", mb_cr4
        NL
        PKV "eflags=", mb_eflags        # spec: VM=0, IF=0, the rest undefined
        NL
        PKV "cs=", mb_cs                # spec: flat 32-bit code and data; values undefined
        PKV " ds=", mb_ds
        PKV " es=", mb_es
        PKV " fs=", mb_fs
        PKV " gs=", mb_gs
        PKV " ss=", mb_ss
        NL

        # The loader must zero the part of the ELF segment past its file size (the .bss):
        # zero_probe is a .bss block nothing writes.
        movl $zero_probe, %esi
        movl $4096 / 4, %ecx
        xorl %eax, %eax
3:      orl (%esi), %eax
        addl $4, %esi
        loop 3b
        testl %eax, %eax
        CHECK z, "bss not zeroed"
        PRINTLN "bss zeroed PASS"
        ret

        .bss
        .balign 4
zero_probe: .space 4096
        .text
