; hello: a guest of a few hundred bytes for flipvisor's 'image' key
; (docs/config.md, "image"), and a worked example of the guest ABI
; (docs/hypercalls.md). It checks the entry state it was promised, asks
; who it is, writes to the console, takes three timer interrupts, and
; halts for good.
;
; The same source builds both forms the hypervisor loads:
;   nasm -f bin   -> hello.bin, a flat image run at GUEST_LOAD_GPA
;   nasm -f elf64 -> hello.o, linked by ld into hello.elf (several
;                    PT_LOAD segments; .bss is memory the file lacks)
;
; What it prints, each line prefixed "NAME: " by the hypervisor:
;   hello from an image: ram 8 MiB, vm_id 0, entry state ok, bss zero
;   tick 1 .. tick 3
;   bye
; "entry state WRONG" or "bss DIRTY" instead mean the hypervisor broke
; its promise.
bits 64
default rel

%ifidn __OUTPUT_FORMAT__, bin
	org	0x100000		; GUEST_LOAD_GPA
%endif

; vmm/hypercall_abi.h
HC_GET_IDENTITY		equ 1
HC_CONSOLE_WRITE	equ 2
HC_SET_TIMER		equ 4
HC_VEC_TIMER		equ 0x20
ID_VM_ID		equ 0		; struct hc_identity offsets
ID_RAM_BYTES		equ 36
ID_TSC_PER_MS		equ 44
ID_SIZE			equ 56
GUEST_SEL_CODE		equ 0x08
RFLAGS_IF		equ 1 << 9
TICKS			equ 3
TICK_MS			equ 20

section .text
global _start
_start:
	; Entry state [docs/hypercalls.md]: RSP = RDI = RAM size, IF clear,
	; CS = 0x08. Anything else is remembered and reported.
	mov	r15, rdi
	xor	ebx, ebx			; rbx: 0 while the state is as promised
	cmp	rsp, rdi
	setne	bl
	pushfq
	pop	rax
	test	eax, RFLAGS_IF
	jz	.if_ok
	or	ebx, 2
.if_ok:
	mov	ax, cs
	cmp	ax, GUEST_SEL_CODE
	je	.cs_ok
	or	ebx, 4
.cs_ok:
	call	pick_hypercall

	lea	rdi, [identity]
	mov	esi, ID_SIZE		; the size it knows: no byte more is written
	mov	eax, HC_GET_IDENTITY
	call	hypercall
	cmp	r15, [identity + ID_RAM_BYTES]
	je	.ram_ok
	or	ebx, 8
.ram_ok:

	; "hello from an image: ram N MiB, vm_id N, entry state ok, bss zero"
	lea	r12, [line]
	lea	rsi, [s_hello]
	mov	ecx, s_hello_len
	call	put_str
	mov	rax, r15
	shr	rax, 20
	call	put_dec
	lea	rsi, [s_vmid]
	mov	ecx, s_vmid_len
	call	put_str
	mov	eax, [identity + ID_VM_ID]
	call	put_dec
	lea	rsi, [s_entry_ok]
	mov	ecx, s_entry_ok_len
	test	ebx, ebx
	jz	.entry_said
	lea	rsi, [s_entry_bad]
	mov	ecx, s_entry_bad_len
.entry_said:
	call	put_str
	; .bss is memory the file does not hold: the loader must zero it.
	lea	rsi, [s_bss_ok]
	mov	ecx, s_bss_ok_len
	cmp	qword [bss_probe], 0
	je	.bss_said
	lea	rsi, [s_bss_bad]
	mov	ecx, s_bss_bad_len
.bss_said:
	call	put_str
	call	flush

	; Timer interrupts: an IDT with the one gate we need, then
	; HC_SET_TIMER and sti; hlt until the handler has counted a tick.
	call	idt_install
	mov	r13d, 1
.tick:
	mov	rdi, [identity + ID_TSC_PER_MS]
	imul	rdi, rdi, TICK_MS
	mov	eax, HC_SET_TIMER
	call	hypercall
.wait:
	sti
	hlt				; STI's shadow: no interrupt slips in between
	cli
	cmp	[ticks], r13
	jb	.wait
	lea	r12, [line]
	lea	rsi, [s_tick]
	mov	ecx, s_tick_len
	call	put_str
	mov	rax, r13
	call	put_dec
	call	flush
	inc	r13
	cmp	r13, TICKS
	jbe	.tick

	lea	r12, [line]
	lea	rsi, [s_bye]
	mov	ecx, s_bye_len
	call	put_str
	call	flush
.halt:
	cli
	hlt
	jmp	.halt

; VMCALL on Intel, VMMCALL on AMD and Hygon [SDM 2B VMCALL; APM 3
; VMMCALL]: CPUID leaf 0's vendor string, EBX part, tells them apart.
pick_hypercall:
	push	rbx
	xor	eax, eax
	cpuid
	xor	eax, eax
	cmp	ebx, 0x68747541			; "Auth"enticAMD
	je	.amd
	cmp	ebx, 0x6f677948			; "Hygo"nGenuine
	jne	.done
.amd:
	inc	eax
.done:
	mov	[use_vmmcall], al
	pop	rbx
	ret

; RAX = number, RDI, RSI = arguments; RAX = result. Everything else is
; preserved by the hypervisor.
hypercall:
	cmp	byte [use_vmmcall], 0
	jne	.vmmcall
	vmcall
	ret
.vmmcall:
	vmmcall
	ret

; Append RCX bytes at RSI to the line at R12.
put_str:
	mov	rdi, r12
	rep movsb
	mov	r12, rdi
	ret

; Append RAX in decimal.
put_dec:
	lea	rdi, [digits_end]
	mov	r8d, 10
.next:
	xor	edx, edx
	div	r8
	add	dl, '0'
	dec	rdi
	mov	[rdi], dl
	test	rax, rax
	jnz	.next
	mov	rsi, rdi
	lea	rcx, [digits_end]
	sub	rcx, rdi
	jmp	put_str

; Write the line with a newline, through HC_CONSOLE_WRITE.
flush:
	mov	byte [r12], 10
	inc	r12
	lea	rdi, [line]
	mov	rsi, r12
	sub	rsi, rdi
	mov	eax, HC_CONSOLE_WRITE
	jmp	hypercall

; One 64-bit interrupt gate, for HC_VEC_TIMER [SDM 3A 6.14.1]: the IDT
; is in .bss, so every other vector is not present.
idt_install:
	lea	rax, [timer_isr]
	lea	rdi, [idt + HC_VEC_TIMER * 16]
	mov	[rdi], ax			; offset 15:0
	mov	word [rdi + 2], GUEST_SEL_CODE
	mov	word [rdi + 4], 0x8e00		; present, DPL 0, type 0xE
	shr	rax, 16
	mov	[rdi + 6], ax			; offset 31:16
	shr	rax, 16
	mov	[rdi + 8], eax			; offset 63:32
	lidt	[idtr]
	ret

timer_isr:
	inc	qword [ticks]
	iretq

section .rodata
s_hello:	db "hello from an image: ram "
s_hello_len	equ $ - s_hello
s_vmid:		db " MiB, vm_id "
s_vmid_len	equ $ - s_vmid
s_entry_ok:	db ", entry state ok"
s_entry_ok_len	equ $ - s_entry_ok
s_entry_bad:	db ", entry state WRONG"
s_entry_bad_len	equ $ - s_entry_bad
s_bss_ok:	db ", bss zero"
s_bss_ok_len	equ $ - s_bss_ok
s_bss_bad:	db ", bss DIRTY"
s_bss_bad_len	equ $ - s_bss_bad
s_tick:		db "tick "
s_tick_len	equ $ - s_tick
s_bye:		db "bye"
s_bye_len	equ $ - s_bye

section .data
align 8
idtr:		dw 256 * 16 - 1
		dq idt

section .bss
alignb 16
idt:		resb 256 * 16
identity:	resb ID_SIZE
alignb 8
bss_probe:	resq 1
ticks:		resq 1
use_vmmcall:	resb 1
digits:		resb 24
digits_end:
line:		resb 128

%ifidn __OUTPUT_FORMAT__, elf64
section .note.GNU-stack noalloc noexec nowrite progbits
%endif
