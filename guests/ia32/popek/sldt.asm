; guests/ia32/popek/sldt.asm: SLDT stores the LDTR selector (PRM 17 SLDT): 0030.
%include "popek.inc"

probe_name:
        db "SLDT", 0
probe:
        sldt ax
        movzx eax, ax
        mov ecx, 4
        jmp hex
