; guests/ia32/popek/call.asm: far CALL 08:target (PRM 17 CALL, 6.3.4.1): the pushed CS 0008 at CPL 0, #GP(0008) at CPL 3 (DPL 0 != CPL).
%include "popek.inc"

probe_name:
        db "CALL", 0
probe:
        call KCODE:.target
.target:
        mov eax, [esp + 4]
        add esp, 8
        movzx eax, ax
        mov ecx, 4
        jmp hex
