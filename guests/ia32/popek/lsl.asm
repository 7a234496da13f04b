; guests/ia32/popek/lsl.asm: LSL of the kernel data selector 10 (PRM 17 LSL): FFFFFFFF at CPL 0, ZF=0 at CPL 3.
%include "popek.inc"

probe_name:
        db "LSL", 0
probe:
        mov ecx, KDATA
        mov eax, 0
        lsl eax, ecx
        jnz zf
        mov ecx, 8
        jmp hex
