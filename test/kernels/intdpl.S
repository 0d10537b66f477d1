# intdpl: privilege checks on software interrupts (SDM 3A 6.12.1.1 "Protection of Exception- and
# Interrupt-Handler Procedures"; INT n pseudocode in SDM 2A). INT n, INT3 and INTO from CPL 3
# through a gate with DPL < 3 raise #GP with error code vector*8+2 (IDT bit set, EXT clear:
# SDM 3A 6.13); exceptions the CPU raises itself (#UD here) ignore the gate DPL. The DPL check
# comes before the present check.
        .include "lib.inc"

main:
        # 1: CPL 0 -> DPL-0 gate: delivered.
        EXPECT 0x41, 0
        int $0x41
1:      UNEXPECT 0x41
        REPORT "r0 int 0x41 dpl0 gate: delivered", 1b

        # 2: CPL 3 -> DPL-0 gate: #GP(0x41*8+2 = 0x20a) at the int instruction.
        EXPECT 13, user_exit
        USER u_int41, 0x202
        REPORT "r3 int 0x41 dpl0 gate: gp", u_int41

        # 3: CPL 3 -> DPL-3 gate: delivered, from CS 0x1b, back to the next instruction.
        GATE_DPL 0x42, 3
        EXPECT 0x42, 0
        USER u_int42, 0x202
        UNEXPECT 0x42
        REPORT "r3 int 0x42 dpl3 gate: delivered", u_int42_next

        # 4: INT3 at CPL 3 through the DPL-0 gate 3: #GP(3*8+2 = 0x1a).
        EXPECT 13, user_exit
        USER u_int3, 0x202
        REPORT "r3 int3 dpl0 gate: gp", u_int3

        # 5: INTO with OF=1 at CPL 3 through the DPL-0 gate 4: #GP(4*8+2 = 0x22).
        EXPECT 13, user_exit
        USER u_into, 0x202
        REPORT "r3 into dpl0 gate: gp", u_into_insn

        # 6: INT3 at CPL 3 through a DPL-3 gate: #BP, a trap: EIP after the 1-byte int3.
        GATE_DPL 3, 3
        EXPECT 3, 0
        USER u_int3, 0x202
        UNEXPECT 3
        REPORT "r3 int3 dpl3 gate: bp", u_int3_next

        # 7: UD2 at CPL 3 with the DPL-0 gate 6: #UD is delivered (DPL not checked); a fault.
        EXPECT 6, user_exit
        USER u_ud2, 0x202
        UNEXPECT 6
        REPORT "r3 ud2 dpl0 gate: ud", u_ud2

        # 8: CPL 3 -> DPL-0 gate that is also not present: #GP(0x43*8+2 = 0x21a), not #NP.
        GATE_ABSENT 0x43
        EXPECT 13, user_exit
        USER u_int43, 0x202
        REPORT "r3 int 0x43 dpl0 absent gate: gp", u_int43

        # 9: CPL 3 -> DPL-3 gate that is not present: #NP(0x44*8+2 = 0x222).
        GATE_DPL 0x44, 3
        GATE_ABSENT 0x44
        EXPECT 11, user_exit
        USER u_int44, 0x202
        UNEXPECT 11
        REPORT "r3 int 0x44 dpl3 absent gate: np", u_int44
        UNEXPECT 13
        ret

# Ring-3 fragments. Each ends in user_exit (int $0x80 through the DPL-3 gate).
u_int41:
        int $0x41
        jmp user_exit
u_int42:
        int $0x42
u_int42_next:
        jmp user_exit
u_int3:
        int3
u_int3_next:
        jmp user_exit
u_into:
        movl $0x7fffffff, %eax
        addl $1, %eax           # signed overflow: OF=1
u_into_insn:
        into
        jmp user_exit
u_ud2:
        ud2
        jmp user_exit
u_int43:
        int $0x43
        jmp user_exit
u_int44:
        int $0x44
        jmp user_exit
