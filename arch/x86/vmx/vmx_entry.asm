; VM entry and exit [SDM 3C 28 (VM entries), 29 (VM exits)].
;
; int vmx_enter(struct guest_regs *regs, int launched)
;   Saves the host's callee-saved registers, points HOST_RSP at this
;   frame, loads the guest's general registers and runs VMLAUNCH (first
;   time) or VMRESUME. Returns 0 after a VM exit, with the guest's
;   registers stored back in *regs; 1 for VMfailInvalid, 2 for
;   VMfailValid (the entry never happened).
;
; vmx_exit is HOST_RIP: the CPU arrives there on every VM exit with RSP
; equal to HOST_RSP and every general register still the guest's.
bits 64
default rel
section .text

%define VMCS_HOST_RSP	0x6c14

%include "arch/x86/guest_regs.inc"

global vmx_enter
global vmx_exit

vmx_enter:
	push	rbp
	push	rbx
	push	r12
	push	r13
	push	r14
	push	r15
	push	rdi			; regs, found again at [rsp] on exit
	mov	eax, VMCS_HOST_RSP
	vmwrite	rax, rsp
	jbe	.fail			; CF or ZF: the VMCS is not usable

	test	esi, esi
	mov	rax, [rdi + R_RAX]
	GUEST_REGS_LOAD rdi
	mov	rdi, [rdi + R_RDI]	; MOV leaves the flags from TEST alone
	jnz	.resume
	vmlaunch
	jmp	.fail
.resume:
	vmresume
.fail:
	; Only reached when the entry failed: CF=1 VMfailInvalid, ZF=1
	; VMfailValid. The guest's values now sit in our registers; the
	; callee-saved ones come back from the stack.
	mov	eax, 1
	jc	.out
	mov	eax, 2
.out:
	add	rsp, 8
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	rbx
	pop	rbp
	ret

vmx_exit:
	push	rdi			; the guest's rdi; [rsp + 8] is regs
	mov	rdi, [rsp + 8]
	mov	[rdi + R_RAX], rax
	GUEST_REGS_STORE rdi
	pop	rax
	mov	[rdi + R_RDI], rax
	xor	eax, eax
	jmp	vmx_enter.out

section .note.GNU-stack noalloc noexec nowrite progbits
