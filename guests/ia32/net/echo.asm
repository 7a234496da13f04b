; echo.asm: the other side of ping.asm. It waits for a frame, receives it at
; 9000h, turns it around (destination := source, source := its own MAC read
; from ports 300h-305h, first payload byte 'P' := 'E') and sends it back, then
; halts with interrupts off.
        bits 16
        org 7C00h
NIC     equ 300h
BUF     equ 9000h
start:  cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov dx, NIC+6
.poll:   in al, dx
        test al, 1
        jz .poll
        mov dx, NIC+0Ch         ; the waiting frame's length
        in ax, dx
        mov bp, ax
        mov dx, NIC+8
        mov eax, BUF
        out dx, eax
        mov dx, NIC+0Eh
        mov al, 2               ; receive
        out dx, al
        mov si, BUF+6           ; destination := its source
        mov di, BUF
        mov cx, 6
        rep movsb
        mov dx, NIC             ; source := this card's MAC
        mov di, BUF+6
        mov cx, 6
.mac:    in al, dx
        stosb
        inc dx
        loop .mac
        mov byte [BUF+14], 'E'
        mov dx, NIC+0Ch
        mov ax, bp
        out dx, ax
        mov dx, NIC+0Eh
        mov al, 1               ; transmit
        out dx, al
        hlt
