; guest-stub entry and interrupt stubs.
;
; Entry state, guaranteed by the hypervisor (vmm/hypercall_abi.h,
; docs/hypercalls.md "Entry state"):
;   - 64-bit long mode, paging on: CR0 = PE|PG|NE|ET|WP, CR4 = PAE,
;     EFER = LME|LMA.
;   - CR3 = GUEST_PML4_GPA: all guest RAM (GPA 0..ram_bytes) identity
;     mapped with 2 MiB pages.
;   - GDT at GUEST_GDT_GPA: CS = 0x08 (code64); DS, ES, SS, FS, GS = 0x10.
;   - IDTR limit 0: no IDT until idt_init() installs one.
;   - RFLAGS = 0x2: interrupts off.
;   - RIP = GUEST_LOAD_GPA = _start, the first byte of the flat image.
;   - RSP = top of RAM, 16-byte aligned; RDI = ram_bytes.
;   - x87/SSE at FNINIT defaults, CR4.OSFXSR clear (the C code is built
;     general-registers only; fpu_probe turns SSE on itself).
;   - .bss holds whatever RAM held, since only the file's bytes are copied
;     in: _start zeroes it.
bits 64
default rel

extern guest_main
extern trap_dispatch
extern __bss_start
extern __bss_end

section .text.entry
global _start
_start:
	cld
	mov	rbx, rdi		; ram_bytes, kept across the fill
	lea	rdi, [__bss_start]
	lea	rcx, [__bss_end]
	sub	rcx, rdi
	xor	eax, eax
	rep stosb			; zero .bss
	mov	rdi, rbx
	xor	ebp, ebp		; end of the frame-pointer chain
	call	guest_main		; RSP was 16-byte aligned, as the SysV ABI wants
.halt:
	cli
	hlt
	jmp	.halt

section .text

; Vectors for which the CPU pushes an error code [SDM 3A Table 6-1].
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

; Make every frame alike (an error code slot, then the vector).
%macro STUB 1
isr_%1:
%if !HAS_ERROR(%1)
	push	0
%endif
	push	%1
	jmp	isr_common
%endmacro

%assign v 0
%rep 32
	STUB v
%assign v v + 1
%endrep
	STUB 32				; 0x20, HC_VEC_TIMER
	STUB 48				; 0x30, HC_VEC_NET_RX
	STUB 49				; 0x31, HC_VEC_NET_RECLAIM
	STUB 64				; 0x40, the vector main.c asks HC_TEST_KICK for

; The CPU aligned RSP to 16 before pushing its 5 qwords [SDM 3A 6.14.2];
; with the error code, the vector and 9 registers that makes 16 qwords,
; so RSP is 16-byte aligned again at the call. The C code saves the
; callee-saved registers itself.
isr_common:
	push	rax
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	r8
	push	r9
	push	r10
	push	r11
	cld
	mov	rdi, [rsp + 9 * 8]	; vector
	lea	rsi, [rsp + 10 * 8]	; error code, then the CPU's frame
	call	trap_dispatch
	pop	r11
	pop	r10
	pop	r9
	pop	r8
	pop	rdi
	pop	rsi
	pop	rdx
	pop	rcx
	pop	rax
	add	rsp, 16			; vector and error code
	iretq

; (vector, stub) pairs for idt_init().
section .rodata
global isr_stubs
global isr_stub_count
align 8
isr_stubs:
%assign v 0
%rep 32
	dq	v, isr_ %+ v
%assign v v + 1
%endrep
	dq	32, isr_32
	dq	48, isr_48
	dq	49, isr_49
	dq	64, isr_64
isr_stub_count:
	dq	($ - isr_stubs) / 16

section .note.GNU-stack noalloc noexec nowrite progbits
