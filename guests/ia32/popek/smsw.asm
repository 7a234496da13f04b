; guests/ia32/popek/smsw.asm: SMSW into a 32-bit register (PRM 17 SMSW; the upper
; half, undefined on the 386, is CR0's on P6 processors and this machine): PE MP TS
; ET and nothing else, paging off: 0000001B.
%include "popek.inc"

probe_name:
        db "SMSW", 0
probe:
        smsw eax
        mov ecx, 8
        jmp hex
