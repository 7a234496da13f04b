; guests/ia32/popek/smsw.asm: SMSW stores CR0's low word (PRM 17 SMSW): PE MP TS ET, 001B.
%include "popek.inc"

probe_name:
        db "SMSW", 0
probe:
        smsw ax
        movzx eax, ax
        mov ecx, 4
        jmp hex
