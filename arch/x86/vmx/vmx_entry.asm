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

; struct guest_regs offsets (vmm/virt.h)
%define R_RAX	0
%define R_RCX	8
%define R_RDX	16
%define R_RBX	24
%define R_RBP	32
%define R_RSI	40
%define R_RDI	48
%define R_R8	56
%define R_R9	64
%define R_R10	72
%define R_R11	80
%define R_R12	88
%define R_R13	96
%define R_R14	104
%define R_R15	112

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
	mov	rcx, [rdi + R_RCX]
	mov	rdx, [rdi + R_RDX]
	mov	rbx, [rdi + R_RBX]
	mov	rbp, [rdi + R_RBP]
	mov	rsi, [rdi + R_RSI]
	mov	r8,  [rdi + R_R8]
	mov	r9,  [rdi + R_R9]
	mov	r10, [rdi + R_R10]
	mov	r11, [rdi + R_R11]
	mov	r12, [rdi + R_R12]
	mov	r13, [rdi + R_R13]
	mov	r14, [rdi + R_R14]
	mov	r15, [rdi + R_R15]
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
	mov	[rdi + R_RCX], rcx
	mov	[rdi + R_RDX], rdx
	mov	[rdi + R_RBX], rbx
	mov	[rdi + R_RBP], rbp
	mov	[rdi + R_RSI], rsi
	mov	[rdi + R_R8],  r8
	mov	[rdi + R_R9],  r9
	mov	[rdi + R_R10], r10
	mov	[rdi + R_R11], r11
	mov	[rdi + R_R12], r12
	mov	[rdi + R_R13], r13
	mov	[rdi + R_R14], r14
	mov	[rdi + R_R15], r15
	pop	rax
	mov	[rdi + R_RDI], rax
	xor	eax, eax
	jmp	vmx_enter.out

section .note.GNU-stack noalloc noexec nowrite progbits
