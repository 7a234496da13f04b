; guests/ia32/popek/sgdt.asm: SGDT stores the GDTR (PRM 17 SGDT): the guest's table, 00030000/003F.
%include "popek.inc"

probe_name:
        db "SGDT", 0
probe:
        sgdt [scratch]
        jmp pseudo_descriptor
