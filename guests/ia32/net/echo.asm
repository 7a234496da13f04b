; echo.asm: the other side of ping.asm, a Multiboot kernel too. It waits for a
; frame, receives it at BUF, turns it around (destination := source, source :=
; its own MAC read from ports 300h-305h, first payload byte 'P' := 'E'), sends
; it back and ends at the exit port.
        bits 32
        org 0x100000
NIC     equ 300h
BUF     equ 0x180000
mb:     dd 0x1BADB002, 0x00010003, -(0x1BADB002 + 0x00010003)
        dd mb, mb, image_end, image_end, start
start:  cli
        mov dx, NIC+6
.poll:  in al, dx
        test al, 1
        jz .poll
        mov dx, NIC+0Ch         ; the waiting frame's length
        in ax, dx
        movzx ebp, ax
        mov dx, NIC+8
        mov eax, BUF
        out dx, eax
        mov dx, NIC+0Eh
        mov al, 2               ; receive
        out dx, al
        cld
        mov esi, BUF+6          ; destination := its source
        mov edi, BUF
        mov ecx, 6
        rep movsb
        mov dx, NIC             ; source := this card's MAC
        mov edi, BUF+6
        mov ecx, 6
.mac:   in al, dx
        stosb
        inc dx
        loop .mac
        mov byte [BUF+14], 'E'
        mov dx, NIC+8
        mov eax, BUF
        out dx, eax
        mov dx, NIC+0Ch
        mov eax, ebp
        out dx, ax
        mov dx, NIC+0Eh
        mov al, 1               ; transmit
        out dx, al
        xor al, al
        out 0F4h, al            ; the exit port: done
        hlt
image_end:
