; guests/ia32/popek/popf.asm: POPFD of IOPL 3, IF 0 (PRM 17 POPF: IOPL only at CPL 0, IF only at CPL <= IOPL): 3000 at CPL 0, 0200 (both kept) at CPL 3.
%include "popek.inc"

probe_name:
        db "POPF", 0
probe:
        pushfd
        push dword 0x00003002
        popfd
        pushfd
        pop eax
        popfd
        and eax, 0x3200
        mov ecx, 4
        jmp hex
