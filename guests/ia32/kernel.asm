; guests/ia32/kernel.asm: a small protected-mode kernel for the s370vm IA-32 PC.
;
; What the next issues virtualize, in one file: it boots as a Multiboot kernel
; (s370vm ia32 run guests/ia32/kernel.bin --kernel), loads its own GDT (kernel and
; user segments, a TSS), IDT (exception stubs, the timer, the system-call gate),
; turns paging on (4M identity mapped, the user pages U/S=1, and one alias page to
; show the translation), programs the 8259 pair and the 8254 (IRQ 0 at 1 kHz),
; switches to ring 3 with IRET, and its user program makes system calls through an
; interrupt gate (INT 80h, DPL 3) while timer interrupts arrive in ring 0 and ring 3.
; All output goes to COM1, polled. It ends with a write to the exit port F4:
; 0 when everything worked (exit status 1), 7Fh after an unexpected exception.
;
; Written in the NASM subset of our assembler (guests/ia32/README.md):
; s370vm ia32 asm kernel.asm -o kernel.bin; Debian's nasm builds the same bytes.
;
; The paravirtual build (-DPARAVIRT) is the same kernel for CP's SET VMMODE
; PARAVIRT (docs/hypercalls.md): it runs at ring 1 and asks CP with INT 82h
; instead of using privileged instructions: CP's flat selectors instead of its
; own GDT, set_trap_table instead of LIDT, stack_switch instead of LTR,
; new_baseptr and mmu_update instead of MOV CR3/CR0 and stores into live page
; tables (which are read-only to it), a one-shot timer event instead of the
; 8254 and 8259, sched_op block instead of STI/HLT, console_io instead of COM1,
; shutdown instead of the exit port. Its user program is the same.

KERNEL_BASE     equ 0x100000            ; loaded at 1M

bits 32
org KERNEL_BASE

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003          ; page-align, memory info, a.out kludge
COM1            equ 0x3F8
%ifdef PARAVIRT
KCODE           equ 0x09                ; CP's flat ring-1 selectors (Xen's FLAT_RING1_CS)
KDATA           equ 0x11
%else
KCODE           equ 0x08
KDATA           equ 0x10
%endif
UCODE           equ 0x18 | 3
UDATA           equ 0x20 | 3
TSS_SEL         equ 0x28
PIT_DIVISOR     equ 1193                ; 1193182 Hz / 1193 = 1 kHz
SYS_WRITE       equ 1                   ; EBX = text, ECX = length
SYS_NUMBER      equ 2                   ; EBX = number, printed in decimal
SYS_TICKS       equ 3                   ; -> EAX = timer ticks so far
SYS_WAIT        equ 4                   ; halt until the next interrupt
SYS_EXIT        equ 5                   ; EBX = exit value (written to port F4)
ALIAS           equ 0x00400000          ; a page mapped onto alias_target

%define PTE_P   1
%define PTE_W   2
%define PTE_U   4

%ifdef PARAVIRT
HYPERCALL       equ 0x82                ; INT 82h: EAX = number, EBX ECX EDX = arguments
HC_SET_TRAP_TABLE equ 0
HC_MMU_UPDATE   equ 1
HC_STACK_SWITCH equ 3
HC_SET_CALLBACKS equ 4
HC_SCHED_OP     equ 6
HC_SET_TIMER_OP equ 15
HC_CONSOLE_IO   equ 18
HC_MMUEXT_OP    equ 26
SCHEDOP_BLOCK   equ 1
SCHEDOP_SHUTDOWN equ 2
NO_TIMEOUT      equ 0xFFFFFFFF
MMUEXT_NEW_BASEPTR equ 5
PV_MAGIC        equ 0x2BAD5056          ; EAX at entry; EBX = the shared info page
SI_MEMORY       equ 0x08                ; shared info: memory size in bytes
SI_TIME         equ 0x18                ; system time, ns (64 bits)
SI_UPCALL_MASK  equ 0x2C                ; the virtual interrupt flag (1: masked)
SI_PENDING      equ 0x30                ; event channels pending
EVT_TIMER       equ 0
TICK_NS         equ 1000000             ; the timer event every 1 ms, as the 8254's 1 kHz
%endif

; --- the Multiboot header (a.out kludge: the file is loaded as it is) -----------
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header                    ; header_addr
        dd $$                           ; load_addr
        dd image_end                    ; load_end_addr
        dd image_end                    ; bss_end_addr
        dd start                        ; entry_addr

; --- start: EAX = 2BADB002, EBX = the Multiboot information ------------------------
start:
        mov esp, kernel_stack_top
%ifdef PARAVIRT
        cmp eax, PV_MAGIC
        jne fail
        mov [mb_info], ebx
        mov esi, msg_hello
        call puts
        mov esi, msg_memory             ; no BIOS: the shared info page says
        call puts
        mov eax, [ebx + SI_MEMORY]
        sub eax, 0x100000
        shr eax, 10
        call putdec
%else
        cmp eax, 0x2BADB002
        jne fail
        mov [mb_info], ebx
        call serial_init
        mov esi, msg_hello
        call puts
        mov esi, msg_memory             ; mem_upper from the Multiboot information
        call puts
        mov eax, [ebx + 8]
        call putdec
%endif
        mov esi, msg_kb
        call puts

        call setup_gdt
        call setup_idt
        call setup_paging
        call setup_pic
        call setup_pit

        mov esi, msg_ring3
        call puts
        push dword UDATA                ; SS
        push dword user_stack_top       ; ESP
        push dword 0x202                ; EFLAGS: IF
        push dword UCODE                ; CS
        push dword user_main            ; EIP
        iretd

; --- descriptor tables -------------------------------------------------------------
%ifdef PARAVIRT
setup_gdt:                              ; CP's GDT and TSS: only the ring-1 stack is ours
        mov eax, HC_STACK_SWITCH
        mov ebx, KDATA
        mov ecx, kernel_stack_top
        int HYPERCALL
        test eax, eax
        jnz fail
        ret

; set_gate: EDI = vector, EAX = handler, DL = type and attributes (the DPL is used):
; appends a trap_info entry {vector, flags = DPL, cs, address} to trap_table
set_gate:
        push ebx
        push ecx
        mov ebx, [trap_count]
        inc dword [trap_count]
        lea ebx, [trap_table + ebx*8]
        mov ecx, edi
        mov [ebx], cl
        mov cl, dl
        shr cl, 5
        and cl, 3
        mov [ebx + 1], cl
        mov word [ebx + 2], KCODE
        mov [ebx + 4], eax
        pop ecx
        pop ebx
        ret
%else
setup_gdt:
        mov eax, tss                    ; the TSS descriptor's base
        mov [gdt_tss + 2], ax
        shr eax, 16
        mov [gdt_tss + 4], al
        mov [gdt_tss + 7], ah
        mov dword [tss + 4], kernel_stack_top   ; ESP0
        mov dword [tss + 8], KDATA              ; SS0
        mov word [tss + 102], 104               ; no I/O bitmap
        lgdt [gdt_ptr]
        jmp KCODE:.reload
.reload:
        mov ax, KDATA
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov ax, TSS_SEL
        ltr ax
        ret

; set_gate: EDI = vector, EAX = handler, DL = type and attributes
set_gate:
        mov [idt + edi*8], ax
        mov word [idt + edi*8 + 2], KCODE
        mov byte [idt + edi*8 + 4], 0
        mov [idt + edi*8 + 5], dl
        shr eax, 16
        mov [idt + edi*8 + 6], ax
        ret
%endif

setup_idt:
        xor edi, edi
.exceptions:
        lea eax, [exception_stubs + edi*2]      ; stubs are 10 bytes: EDI*8 + EDI*2
        lea eax, [eax + edi*8]
        mov dl, 0x8E                    ; present, DPL 0, 32-bit interrupt gate
        call set_gate
        inc edi
        cmp edi, 32
        jb .exceptions
%ifndef PARAVIRT
        mov edi, 0x20
        mov eax, timer_handler
        mov dl, 0x8E
        call set_gate
        mov edi, 0x27
        mov eax, spurious_handler
        call set_gate
%endif
        mov edi, 0x80
        mov eax, syscall_handler
        mov dl, 0xEE                    ; present, DPL 3: callable from ring 3
        call set_gate
%ifdef PARAVIRT
        mov eax, HC_SET_TRAP_TABLE      ; the system call becomes a real gate: no exit
        mov ebx, trap_table
        int HYPERCALL
        test eax, eax
        jnz fail
%else
        lidt [idt_ptr]
%endif
        ret

; --- paging: 0-4M identity (user pages U/S=1), ALIAS -> alias_target -----------------
setup_paging:
        xor ecx, ecx
.map:
        mov eax, ecx
        shl eax, 12
        or eax, PTE_P | PTE_W
        cmp ecx, (user_first_page - $$ + KERNEL_BASE) >> 12
        jb .store
        cmp ecx, (user_end_page - $$ + KERNEL_BASE) >> 12
        jae .store
        or eax, PTE_U
.store:
%ifdef PARAVIRT
        cmp ecx, (page_dir - $$ + KERNEL_BASE) >> 12
        jb .keep
        cmp ecx, (alias_target - $$ + KERNEL_BASE) >> 12
        jae .keep
        and eax, ~PTE_W                 ; page tables are read-only to a paravirtual guest
.keep:
%endif
        mov [page_table0 + ecx*4], eax
        inc ecx
        cmp ecx, 1024
        jb .map
%ifdef PARAVIRT
        mov dword [page_dir], page_table0 + (PTE_P | PTE_W | PTE_U)
        mov eax, HC_MMUEXT_OP           ; CP validates the tables and translates through them
        mov ebx, MMUEXT_NEW_BASEPTR
        mov ecx, page_dir
        int HYPERCALL
        test eax, eax
        jnz fail
        mov eax, HC_MMU_UPDATE          ; the second table and the alias: one batch of two
        mov ebx, alias_updates
        mov ecx, 2
        xor edx, edx
        int HYPERCALL
        test eax, eax
        jnz fail
%else
        mov dword [page_table1], alias_target + (PTE_P | PTE_W)
        mov dword [page_dir], page_table0 + (PTE_P | PTE_W | PTE_U)
        mov dword [page_dir + 4], page_table1 + (PTE_P | PTE_W)
        mov eax, page_dir
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000              ; PG, WP
        mov cr0, eax
%endif
        mov dword [alias_target], 0x600DF00D
        cmp dword [ALIAS], 0x600DF00D   ; read back through the alias mapping
        jne fail
        mov esi, msg_paging
        jmp puts

%ifdef PARAVIRT
; --- events instead of the 8259 and the 8254: the callback, then the first timer ----
setup_pic:
        mov eax, HC_SET_CALLBACKS
        mov ebx, KCODE
        mov ecx, event_handler
        mov edx, KCODE
        mov esi, fail
        int HYPERCALL
        test eax, eax
        jnz fail
        ret

setup_pit:
        mov eax, [SI_TIME]              ; the first tick 1 ms from now
        mov edx, [SI_TIME + 4]
        mov [next_tick], eax
        mov [next_tick + 4], edx
        jmp arm_timer

arm_timer:                              ; the one-shot timer at next_tick += 1 ms
        push eax
        push ebx
        push ecx
        add dword [next_tick], TICK_NS
        adc dword [next_tick + 4], 0
        mov eax, HC_SET_TIMER_OP
        mov ebx, [next_tick]
        mov ecx, [next_tick + 4]
        int HYPERCALL
        pop ecx
        pop ebx
        pop eax
        ret

; the event upcall: an interrupt frame on the ring-1 stack, events masked
event_handler:
        push eax
        push ds
        mov ax, KDATA
        mov ds, ax
        lock btr dword [SI_PENDING], EVT_TIMER
        jnc .done
        inc dword [ticks]
        test byte [esp + 12], 2         ; the interrupted CS: from ring 3?
        jz .rearm
        inc dword [user_ticks]
.rearm:
        call arm_timer
.done:
        mov byte [SI_UPCALL_MASK], 0    ; events on again (the virtual STI)
        pop ds
        pop eax
        iretd
%else
; --- the 8259 pair (IRQ 0-15 at vectors 20h-2Fh, only IRQ 0 unmasked) and the 8254 --
setup_pic:
        mov al, 0x11                    ; ICW1: edge, cascade, ICW4
        out 0x20, al
        out 0xA0, al
        mov al, 0x20                    ; ICW2: vector bases
        out 0x21, al
        mov al, 0x28
        out 0xA1, al
        mov al, 0x04                    ; ICW3: slave on IR2
        out 0x21, al
        mov al, 0x02
        out 0xA1, al
        mov al, 0x01                    ; ICW4: 8086 mode
        out 0x21, al
        out 0xA1, al
        mov al, 0xFE                    ; OCW1: IRQ 0 only
        out 0x21, al
        mov al, 0xFF
        out 0xA1, al
        ret

setup_pit:
        mov al, 0x34                    ; counter 0, LSB then MSB, mode 2
        out 0x43, al
        mov al, PIT_DIVISOR & 0xFF
        out 0x40, al
        mov al, PIT_DIVISOR >> 8
        out 0x40, al
        ret
%endif

; --- interrupt and exception handlers ---------------------------------------------
%ifndef PARAVIRT
timer_handler:
        push eax
        push ds
        mov ax, KDATA
        mov ds, ax
        inc dword [ticks]
        test byte [esp + 12], 3         ; the interrupted CS: from ring 3?
        jz .eoi
        inc dword [user_ticks]
.eoi:
        mov al, 0x20                    ; non-specific EOI
        out 0x20, al
        pop ds
        pop eax
        iretd

spurious_handler:                       ; IR7 without a request: no EOI (8259A datasheet)
        iretd
%endif

syscall_handler:                        ; EAX = call number; ring 3 -> ring 0 via the gate
        push ds
        push es
        push esi
        push ecx
        push ebx
        mov si, KDATA
        mov ds, si
        mov es, si
        cmp eax, SYS_WRITE
        je .write
        cmp eax, SYS_NUMBER
        je .number
        cmp eax, SYS_TICKS
        je .ticks
        cmp eax, SYS_WAIT
        je .wait
        cmp eax, SYS_EXIT
        je .exit
        mov eax, -1
        jmp .done
.write:
        mov esi, ebx
%ifdef PARAVIRT
        call write_console              ; the user's text in one hypercall
        jmp .done
%endif
.write_next:
        test ecx, ecx
        jz .done
        mov al, [esi]
        call putc
        inc esi
        dec ecx
        jmp .write_next
.number:
        mov eax, ebx
        call putdec
        jmp .done
.ticks:
        mov eax, [ticks]
        jmp .done
.wait:
%ifdef PARAVIRT
        mov eax, HC_SCHED_OP            ; idle until the next event (Denali's idle)
        mov ebx, SCHEDOP_BLOCK
        mov ecx, NO_TIMEOUT
        int HYPERCALL
%else
        sti                             ; the interrupt gate cleared IF
        hlt
        cli
%endif
        jmp .done
.exit:
        mov esi, msg_exit
        call puts
        mov eax, [user_ticks]
        call putdec
        mov esi, msg_newline
        call puts
        mov eax, ebx
%ifdef PARAVIRT
        jmp shutdown
%else
        out 0xF4, al
        jmp fail
%endif
.done:
        pop ebx
        pop ecx
        pop esi
        pop es
        pop ds
        iretd

%macro stub 1
        push strict dword %1
        jmp strict near exception
%endmacro

exception_stubs:
        stub 0
        stub 1
        stub 2
        stub 3
        stub 4
        stub 5
        stub 6
        stub 7
        stub 8
        stub 9
        stub 10
        stub 11
        stub 12
        stub 13
        stub 14
        stub 15
        stub 16
        stub 17
        stub 18
        stub 19
        stub 20
        stub 21
        stub 22
        stub 23
        stub 24
        stub 25
        stub 26
        stub 27
        stub 28
        stub 29
        stub 30
        stub 31

exception:                              ; [ESP] = vector, then the error code or EIP
        mov ax, KDATA
        mov ds, ax
        mov esi, msg_exception
        call puts
        pop eax
        mov ebx, eax
        call putdec
        mov esi, msg_at
        call puts
        mov ecx, 0x27D00                ; the vectors with an error code: 8, 10-14, 17
        bt ecx, ebx
        jnc .eip
        pop eax
.eip:
        pop eax
        call puthex
        mov esi, msg_newline
        call puts
fail:
        mov al, 0x7F
%ifdef PARAVIRT
shutdown:                               ; AL = exit value
        movzx ecx, al
        mov eax, HC_SCHED_OP
        mov ebx, SCHEDOP_SHUTDOWN
        int HYPERCALL
        jmp shutdown
%else
        out 0xF4, al
        cli
.halt:
        hlt
        jmp .halt
%endif

; --- the console ---------------------------------------------------------------------
%ifdef PARAVIRT
putc:                                   ; AL = character: console_io write of one byte
        push esi
        push ecx
        mov [putc_byte], al
        mov esi, putc_byte
        mov ecx, 1
        call write_console
        pop ecx
        pop esi
        ret
%else
serial_init:
        mov dx, COM1 + 3
        mov al, 0x80                    ; DLAB
        out dx, al
        mov dx, COM1
        mov al, 1                       ; 115200 baud
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x03                    ; 8N1
        out dx, al
        mov dx, COM1 + 1
        xor al, al                      ; no UART interrupts: polled output
        out dx, al
        ret

putc:                                   ; AL = character
        push edx
        push eax
        mov dx, COM1 + 5
.wait:
        in al, dx
        test al, 0x20                   ; THRE
        jz .wait
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret
%endif

%ifdef PARAVIRT
puts:                                   ; ESI = NUL-terminated text: one console_io write
        push ecx
        xor ecx, ecx
.length:
        cmp byte [esi + ecx], 0
        je .write
        inc ecx
        jmp .length
.write:
        call write_console
        pop ecx
        ret

write_console:                          ; ESI = text, ECX = length
        push eax
        push ebx
        push edx
        mov eax, HC_CONSOLE_IO
        xor ebx, ebx                    ; CONSOLEIO_write
        mov edx, esi
        int HYPERCALL
        pop edx
        pop ebx
        pop eax
        ret
%else
puts:                                   ; ESI = NUL-terminated text
        push eax
.next:
        mov al, [esi]
        test al, al
        jz .done
        call putc
        inc esi
        jmp .next
.done:
        pop eax
        ret
%endif

putdec:                                 ; EAX = unsigned number
        push eax
        push ecx
        push edx
        push ebx
        mov ebx, 10
        xor ecx, ecx
.divide:
        xor edx, edx
        div ebx
        push edx
        inc ecx
        test eax, eax
        jnz .divide
.digit:
        pop eax
        add al, '0'
        call putc
        dec ecx
        jnz .digit
        pop ebx
        pop edx
        pop ecx
        pop eax
        ret

puthex:                                 ; EAX = number, 8 hex digits
        push ecx
        push eax
        mov ecx, 8
.nibble:
        rol eax, 4
        push eax
        and al, 0x0F
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '0' - 10
.out:
        call putc
        pop eax
        dec ecx
        jnz .nibble
        pop eax
        pop ecx
        ret

; --- kernel data ---------------------------------------------------------------------
msg_hello       db "s370vm ia32 kernel", 13, 10, 0
msg_memory      db "memory above 1M: ", 0
msg_kb          db "K", 13, 10, 0
msg_paging      db "paging on", 13, 10, 0
msg_ring3       db "entering ring 3", 13, 10, 0
msg_exit        db "exit, timer ticks in ring 3: ", 0
msg_exception   db "exception ", 0
msg_at          db " at ", 0
msg_newline     db 13, 10, 0

align 4
mb_info         dd 0
ticks           dd 0
user_ticks      dd 0
%ifdef PARAVIRT
putc_byte       dd 0
next_tick       dq 0
trap_count      dd 0
trap_table:                             ; 33 trap_info entries and the terminator
        times 34 * 8 db 0
alias_updates:                          ; mmu_update requests {ptr, val}
        dd page_dir + 4, page_table1 + (PTE_P | PTE_W)
        dd page_table1, alias_target + (PTE_P | PTE_W)
%endif

align 8
gdt:
        dq 0
        dq 0x00CF9A000000FFFF           ; 08: kernel code, flat, 32-bit, DPL 0
        dq 0x00CF92000000FFFF           ; 10: kernel data
        dq 0x00CFFA000000FFFF           ; 18: user code, DPL 3
        dq 0x00CFF2000000FFFF           ; 20: user data, DPL 3
gdt_tss:
        dw 103, 0                       ; 28: the TSS (base filled in at start)
        db 0, 0x89, 0, 0
gdt_end:

gdt_ptr:
        dw gdt_end - gdt - 1
        dd gdt

idt_ptr:
        dw 256 * 8 - 1
        dd idt

align 4
tss:
        times 104 db 0

align 8
idt:
        times 256 * 8 db 0

align 4096
page_dir:
        times 4096 db 0
page_table0:
        times 4096 db 0
page_table1:
        times 4096 db 0
alias_target:
        times 4096 db 0
        times 4096 db 0
kernel_stack_top:

; --- ring 3: the user program and its stack (pages with U/S=1) ----------------------
align 4096
user_first_page:
user_main:
        mov ax, UDATA
        mov ds, ax
        mov es, ax
        mov eax, SYS_WRITE
        mov ebx, umsg_hello
        mov ecx, umsg_hello_len
        int 0x80
        mov eax, SYS_WRITE              ; the privilege level it runs at
        mov ebx, umsg_cpl
        mov ecx, umsg_cpl_len
        int 0x80
        mov ebx, cs
        and ebx, 3
        mov eax, SYS_NUMBER
        int 0x80
        mov eax, SYS_WRITE
        mov ebx, umsg_newline
        mov ecx, 2
        int 0x80
.idle:                                  ; sleep in the kernel for 3 ticks
        mov eax, SYS_WAIT
        int 0x80
        mov eax, SYS_TICKS
        int 0x80
        cmp eax, 3
        jb .idle
.busy:                                  ; then spin in ring 3 until tick 6
        mov ecx, 1000
.spin:
        dec ecx
        jnz .spin
        mov eax, SYS_TICKS
        int 0x80
        cmp eax, 6
        jb .busy
        mov eax, SYS_WRITE
        mov ebx, umsg_ticks
        mov ecx, umsg_ticks_len
        int 0x80
        mov eax, SYS_TICKS
        int 0x80
        mov ebx, eax
        mov eax, SYS_NUMBER
        int 0x80
        mov eax, SYS_WRITE
        mov ebx, umsg_newline
        mov ecx, 2
        int 0x80
        mov eax, SYS_EXIT
        xor ebx, ebx
        int 0x80

umsg_hello      db "hello from ring 3", 13, 10
umsg_hello_len  equ $ - umsg_hello
umsg_cpl        db "CPL="
umsg_cpl_len    equ $ - umsg_cpl
umsg_ticks      db "timer ticks: "
umsg_ticks_len  equ $ - umsg_ticks
umsg_newline    db 13, 10

align 4096
        times 4096 db 0
user_stack_top:
user_end_page:
image_end:
