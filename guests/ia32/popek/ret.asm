; guests/ia32/popek/ret.asm: far RET to a frame with CS 08 (PRM 17 RET: RPL >= CPL): ok at CPL 0, #GP(0008) at CPL 3.
%include "popek.inc"

probe_name:
        db "RET", 0
probe:
        push dword KCODE
        push dword .back
        retf
.back:
        mov esi, msg_ok
        jmp puts
