; ping.asm: one side of two IA-32 machines on CP's virtual switch (the other is
; echo.asm). A Multiboot kernel (32-bit, flat, loaded at 1M): it sends one
; Ethernet frame to the echo machine's MAC with the network card (docs/ia32.md:
; ports 300h-30Fh, DMA), waits until a frame is received, copies it to BUF and
; ends at the exit port. The test reads BUF.
        bits 32
        org 0x100000
NIC     equ 300h
BUF     equ 0x180000
mb:     dd 0x1BADB002, 0x00010003, -(0x1BADB002 + 0x00010003)
        dd mb, mb, image_end, image_end, start
start:  cli
        mov dx, NIC+8           ; DMA address: the frame
        mov eax, frame
        out dx, eax
        mov dx, NIC+0Ch         ; its length
        mov ax, frame_end - frame
        out dx, ax
        mov dx, NIC+0Eh
        mov al, 1               ; transmit
        out dx, al
        mov dx, NIC+6
.poll:  in al, dx               ; status bit 0: a frame waits
        test al, 1
        jz .poll
        mov dx, NIC+8
        mov eax, BUF
        out dx, eax
        mov dx, NIC+0Eh
        mov al, 2               ; receive it into BUF
        out dx, al
        xor al, al
        out 0F4h, al            ; the exit port: done
        hlt
frame:  db 02h, 00h, 01h, 00h, 00h, 02h         ; to: the echo machine
        db 02h, 00h, 01h, 00h, 00h, 01h         ; from: this one
        dw 0B588h                               ; EtherType 88B5 (local experimental)
        db "PING FROM AN IA-32 GUEST", 0
        times 60 - ($ - frame) db 0             ; the minimum frame (no FCS)
frame_end:
image_end:
