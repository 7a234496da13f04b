; guests/ia32/popek/verw.asm: VERW of the kernel data selector 10 (PRM 17 VERW): ZF=1 at CPL 0, ZF=0 at CPL 3.
%include "popek.inc"

probe_name:
        db "VERW", 0
probe:
        mov ecx, KDATA
        verw cx
        jmp zf
