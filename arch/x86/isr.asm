; Entry stubs for all 256 vectors: make every frame look the same (an
; error code slot, then the vector), save the general registers and call
; trap_dispatch(struct trap_frame *) [SDM 3A 6.12.1].
bits 64
default rel
section .text
extern trap_dispatch

; Vectors for which the CPU pushes an error code [SDM 3A Table 6-1].
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%macro STUB 1
isr_%1:
%if !HAS_ERROR(%1)
	push	0
%endif
	push	%1
	jmp	isr_common
%endmacro

%assign v 0
%rep 256
	STUB v
%assign v v + 1
%endrep

isr_common:
	push	rax
	push	rbx
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	rbp
	push	r8
	push	r9
	push	r10
	push	r11
	push	r12
	push	r13
	push	r14
	push	r15
	cld
	mov	rdi, rsp
	call	trap_dispatch
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	r11
	pop	r10
	pop	r9
	pop	r8
	pop	rbp
	pop	rdi
	pop	rsi
	pop	rdx
	pop	rcx
	pop	rbx
	pop	rax
	add	rsp, 16			; vector and error code
	iretq

section .data
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
	dq	isr_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
