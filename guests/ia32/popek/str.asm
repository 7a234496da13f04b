; guests/ia32/popek/str.asm: STR stores the TR selector (PRM 17 STR): 0028.
%include "popek.inc"

probe_name:
        db "STR", 0
probe:
        str ax
        movzx eax, ax
        mov ecx, 4
        jmp hex
