; guests/ia32/popek/verr.asm: VERR of the kernel data selector 10 (PRM 17 VERR): ZF=1 at CPL 0, ZF=0 at CPL 3.
%include "popek.inc"

probe_name:
        db "VERR", 0
probe:
        mov ecx, KDATA
        verr cx
        jmp zf
