; guests/ia32/popek/pushf.asm: PUSHFD's IF and IOPL (PRM 17 PUSHF): 0000 at CPL 0 (after CLI), 0200 at CPL 3.
%include "popek.inc"

probe_name:
        db "PUSHF", 0
probe:
        pushfd
        pop eax
        and eax, 0x3200
        mov ecx, 4
        jmp hex
