; guests/ia32/popek/int.asm: INT 40h through a DPL 0 interrupt gate (PRM 17 INT, 9.6.1): the handler sees CS 0008 pushed at CPL 0, #GP(0202) at CPL 3 (gate DPL < CPL).
%include "popek.inc"

probe_name:
        db "INT", 0
probe:
        mov dword [int_cs], 0xFFFF
        int 0x40
        mov eax, [int_cs]
        mov ecx, 4
        jmp hex
