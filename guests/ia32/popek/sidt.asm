; guests/ia32/popek/sidt.asm: SIDT stores the IDTR (PRM 17 SIDT): the guest's table, 00031000/07FF.
%include "popek.inc"

probe_name:
        db "SIDT", 0
probe:
        sidt [scratch]
        mov eax, [scratch + 2]
        mov ecx, 8
        call hex
        mov al, '/'
        call putc
        movzx eax, word [scratch]
        mov ecx, 4
        jmp hex
