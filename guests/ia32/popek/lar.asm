; guests/ia32/popek/lar.asm: LAR of the kernel data selector 10 (PRM 17 LAR): 00C09300 at CPL 0, ZF=0 at CPL 3 (DPL 0 < CPL).
%include "popek.inc"

probe_name:
        db "LAR", 0
probe:
        mov ecx, KDATA
        mov eax, 0
        lar eax, ecx
        jnz zf
        mov ecx, 8
        jmp hex
