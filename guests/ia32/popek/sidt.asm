; guests/ia32/popek/sidt.asm: SIDT stores the IDTR (PRM 17 SIDT): the guest's table, 00031000/07FF.
%include "popek.inc"

probe_name:
        db "SIDT", 0
probe:
        sidt [scratch]
        jmp pseudo_descriptor
