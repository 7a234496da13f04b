; guests/ia32/popek/jmp.asm: far JMP 08:there (PRM 17 JMP, 6.3.4.1): CS then reads 0008 at CPL 0, #GP(0008) at CPL 3.
%include "popek.inc"

probe_name:
        db "JMP", 0
probe:
        jmp KCODE:.there
.there:
        mov ax, cs
        movzx eax, ax
        mov ecx, 4
        jmp hex
