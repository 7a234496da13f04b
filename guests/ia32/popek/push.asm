; guests/ia32/popek/push.asm: PUSH CS (PRM 17 PUSH): the selector with RPL = CPL, 0008 at CPL 0, 001B at CPL 3.
%include "popek.inc"

probe_name:
        db "PUSH", 0
probe:
        push cs
        pop eax
        movzx eax, ax
        mov ecx, 4
        jmp hex
