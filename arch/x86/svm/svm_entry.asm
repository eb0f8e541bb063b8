; VMRUN and #VMEXIT [APM 2 15.5 (VMRUN), 15.6 (#VMEXIT), 15.5.2 (VMLOAD,
; VMSAVE)].
;
; void svm_enter(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_pa)
;   With GIF clear: saves the host's hidden state (FS, GS, TR, LDTR,
;   KernelGSBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) in host_pa with
;   VMSAVE and loads the guest's from its VMCB with VMLOAD, loads the
;   guest's general registers but RAX (the VMCB holds it), runs VMRUN.
;   After #VMEXIT, which restores RAX, RSP and the rest VMRUN saved in the
;   host save area, stores the guest's registers back in *regs, swaps the
;   hidden state back and sets GIF. A host interrupt that caused the exit
;   stays pending: the caller takes it (RFLAGS.IF is clear here).
bits 64
default rel
section .text

%include "arch/x86/guest_regs.inc"

global svm_enter

svm_enter:
	push	rbp
	push	rbx
	push	r12
	push	r13
	push	r14
	push	r15
	push	rdi			; [rsp + 16]: regs
	push	rdx			; [rsp + 8]:  host area
	push	rsi			; [rsp]:      VMCB

	clgi
	mov	rax, rdx
	vmsave				; host hidden state -> host area
	mov	rax, [rsp]
	vmload				; guest hidden state <- VMCB

	GUEST_REGS_LOAD rdi
	mov	rdi, [rdi + R_RDI]
	; With V_INTR_MASKING the host's RFLAGS.IF as VMRUN finds it decides
	; whether physical interrupts reach us from the guest [APM 2
	; 15.21.1]: it must be set, or a guest that never exits would never
	; be preempted. GIF is clear, so nothing is taken here.
	sti
	vmrun				; RAX: the VMCB
	; #VMEXIT: RAX and RSP are the host's again, the other general
	; registers still the guest's.
	push	rdi			; the guest's rdi; regs is now [rsp + 24]
	mov	rdi, [rsp + 24]
	GUEST_REGS_STORE rdi
	pop	rcx
	mov	[rdi + R_RDI], rcx

	mov	rax, [rsp]
	vmsave				; guest hidden state -> VMCB
	mov	rax, [rsp + 8]
	vmload				; host hidden state <- host area
	cli				; the host runs with interrupts off
	stgi

	add	rsp, 24
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	rbx
	pop	rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
