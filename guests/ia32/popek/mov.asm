; guests/ia32/popek/mov.asm: MOV r16, SS (PRM 17 MOV): the selector with RPL = CPL, 0010 at CPL 0, 0023 at CPL 3.
%include "popek.inc"

probe_name:
        db "MOV", 0
probe:
        mov ax, ss
        movzx eax, ax
        mov ecx, 4
        jmp hex
