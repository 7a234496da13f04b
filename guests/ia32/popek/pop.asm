; guests/ia32/popek/pop.asm: POP SS of the kernel stack selector 10 (PRM 17 POP: RPL = DPL = CPL): ok at CPL 0, #GP(0010) at CPL 3.
%include "popek.inc"

probe_name:
        db "POP", 0
probe:
        mov ax, ss
        push dword KDATA
        pop ss
        mov ss, ax
        mov esi, msg_ok
        jmp puts
