; arch_switch_stack(stack_top, fn, arg): leave the firmware's stack for
; one the hypervisor owns and never come back.
bits 64
default rel
section .text

global arch_switch_stack
arch_switch_stack:
	mov	rsp, rdi
	xor	ebp, ebp		; ends the backtrace's frame chain
	mov	rdi, rdx
	call	rsi
.halt:	cli
	hlt
	jmp	.halt

section .note.GNU-stack noalloc noexec nowrite progbits
