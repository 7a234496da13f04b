; guests/ia32/bench/pvheavy.asm: a system-call- and page-table-heavy workload, the
; one docs/three-roads.md measures on the three roads (bench for issue 13).
;
; A Multiboot kernel whose ring-3 program asks ITER times, by INT 80h, for the page
; at ALIAS to be mapped onto frame A or frame B (alternately) and reads it back:
; one system call and one page-table entry change each time. The bare build
; writes the entry and flushes it with INVLPG (under CP: a traced page-table
; write and a privileged instruction); the paravirtual build (-DPARAVIRT, the ABI
; of docs/hypercalls.md) gets the system call by a real trap gate and changes the
; entry with mmu_update. It prints "pvheavy: N remaps, sum S" and exits with 0
; (status 1) when the sum is right, 7Fh otherwise.

KERNEL_BASE     equ 0x100000
bits 32
org KERNEL_BASE

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010003
ITER            equ 2000
ALIAS           equ 0x00400000
SYS_REMAP       equ 1                   ; EBX = 0: frame A, 1: frame B
SYS_EXIT        equ 2                   ; EBX = the sum
%ifdef PARAVIRT
KCODE           equ 0x09                ; CP's flat ring-1 selectors
KDATA           equ 0x11
%else
KCODE           equ 0x08
KDATA           equ 0x10
%endif
UCODE           equ 0x18 | 3
UDATA           equ 0x20 | 3
TSS_SEL         equ 0x28
PTE_PWU         equ 7
PTE_PU          equ 5
HYPERCALL       equ 0x82

mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd mb_header
        dd $$
        dd image_end
        dd image_end
        dd start

start:
        mov esp, kernel_stack_top
        mov dword [frame_a], 1
        mov dword [frame_b], 2
        xor ecx, ecx                    ; 0-4M identity, user-accessible
.map:
        mov eax, ecx
        shl eax, 12
        or eax, PTE_PWU
%ifdef PARAVIRT
        cmp ecx, (page_dir - $$ + KERNEL_BASE) >> 12
        jb .store
        cmp ecx, (frame_a - $$ + KERNEL_BASE) >> 12
        jae .store
        mov al, PTE_PU                  ; the tables: read-only
%endif
.store:
        mov [page_table0 + ecx*4], eax
        inc ecx
        cmp ecx, 1024
        jb .map
        mov dword [page_table1], frame_a + PTE_PWU
        mov dword [page_dir], page_table0 + PTE_PWU
        mov dword [page_dir + 4], page_table1 + PTE_PWU
%ifdef PARAVIRT
        mov eax, 3                      ; stack_switch
        mov ebx, KDATA
        mov ecx, kernel_stack_top
        int HYPERCALL
        mov eax, 0                      ; set_trap_table: INT 80h, DPL 3
        mov ebx, traps
        int HYPERCALL
        mov eax, 26                     ; mmuext_op NEW_BASEPTR
        mov ebx, 5
        mov ecx, page_dir
        int HYPERCALL
        test eax, eax
        jnz fail
%else
        mov eax, tss
        mov [gdt_tss + 2], ax
        shr eax, 16
        mov [gdt_tss + 4], al
        mov [gdt_tss + 7], ah
        mov dword [tss + 4], kernel_stack_top
        mov dword [tss + 8], KDATA
        lgdt [gdt_ptr]
        jmp KCODE:.reload
.reload:
        mov ax, KDATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov ax, TSS_SEL
        ltr ax
        mov eax, syscall_handler
        mov [idt + 0x80*8], ax
        mov word [idt + 0x80*8 + 2], KCODE
        mov word [idt + 0x80*8 + 4], 0xEE00
        shr eax, 16
        mov [idt + 0x80*8 + 6], ax
        lidt [idt_ptr]
        mov eax, page_dir
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000
        mov cr0, eax
%endif
        push dword UDATA
        push dword user_stack_top
        push dword 0x202
        push dword UCODE
        push dword user_main
        iretd

syscall_handler:
        push ebx
        push ecx
        push edx
        cmp eax, SYS_EXIT
        je .exit
        mov eax, frame_a + PTE_PWU
        test ebx, ebx
        jz .map
        mov eax, frame_b + PTE_PWU
.map:
%ifdef PARAVIRT
        mov [remap + 4], eax
        mov eax, 1                      ; mmu_update: one request
        mov ebx, remap
        mov ecx, 1
        xor edx, edx
        int HYPERCALL
%else
        mov [page_table1], eax
        invlpg [ALIAS]
%endif
        pop edx
        pop ecx
        pop ebx
        iretd
.exit:
        mov eax, ebx
        mov esi, msg
        call puts
        mov eax, ITER
        call putdec
        mov esi, msg_sum
        call puts
        mov eax, ebx
        call putdec
        mov esi, msg_nl
        call puts
        xor eax, eax
        cmp ebx, ITER / 2 * 3
        je done
fail:
        mov al, 0x7F
done:
%ifdef PARAVIRT
        movzx ecx, al
        mov eax, 6                      ; sched_op shutdown
        mov ebx, 2
        int HYPERCALL
%else
        out 0xF4, al
%endif
        jmp $

putdec:                                 ; EAX = unsigned number
        push ebx
        push ecx
        push edx
        mov ebx, 10
        xor ecx, ecx
.divide:
        xor edx, edx
        div ebx
        add dl, '0'
        push edx
        inc ecx
        test eax, eax
        jnz .divide
.digit:
        pop eax
        call putc
        dec ecx
        jnz .digit
        pop edx
        pop ecx
        pop ebx
        ret

puts:                                   ; ESI = NUL-terminated text
        mov al, [esi]
        test al, al
        jz .done
        call putc
        inc esi
        jmp puts
.done:
        ret

putc:                                   ; AL = character
%ifdef PARAVIRT
        push ebx
        push ecx
        push edx
        push eax
        mov [char], al
        mov eax, 18                     ; console_io write
        xor ebx, ebx
        mov ecx, 1
        mov edx, char
        int HYPERCALL
        pop eax
        pop edx
        pop ecx
        pop ebx
%else
        push edx
        push eax
        mov dx, 0x3FD
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, 0x3F8
        out dx, al
        pop edx
%endif
        ret

msg             db "pvheavy: ", 0
msg_sum         db " remaps, sum ", 0
msg_nl          db 13, 10, 0
align 4
char            dd 0
remap           dd page_table1, 0       ; the mmu_update request {ptr, val}
traps           db 0x80, 3
                dw KCODE
                dd syscall_handler
                dd 0, 0
align 8
gdt:
        dq 0
        dq 0x00CF9A000000FFFF
        dq 0x00CF92000000FFFF
        dq 0x00CFFA000000FFFF
        dq 0x00CFF2000000FFFF
gdt_tss:
        dw 103, 0
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
frame_a:
        times 4096 db 0
frame_b:
        times 4096 db 0
        times 4096 db 0
kernel_stack_top:

user_main:
        mov ax, UDATA
        mov ds, ax
        mov es, ax
        xor esi, esi                    ; the sum
        mov ecx, ITER
.loop:
        mov ebx, ecx
        and ebx, 1
        mov eax, SYS_REMAP
        int 0x80
        add esi, [ALIAS]
        loop .loop
        mov ebx, esi
        mov eax, SYS_EXIT
        int 0x80

align 4096
        times 4096 db 0
user_stack_top:
image_end:
