; Exception probes for the intercept modes (probe.h): run one of the
; snippets below and come back with the vector it raised, or -1.
;
; probe() saves the callee-saved registers and where to resume; if the
; snippet faults, trap_dispatch() (idt.c) stores the vector and the
; faulting RIP and IRETs to .caught with the saved RSP, at CPL 0, even
; when the fault came from CPL 3.
bits 64
default rel

%define HC_CONSOLE_WRITE 2
%define USER_SEL_DATA    0x1b		; 0x18 | RPL 3 (probe.h)
%define USER_SEL_CODE    0x23		; 0x20 | RPL 3

section .bss
global probe_resume_rip
global probe_resume_rsp
global probe_vector
global probe_fault_rip
global probe_user_rsp
probe_resume_rip:	resq 1		; 0: no probe running
probe_resume_rsp:	resq 1
probe_vector:		resq 1
probe_fault_rip:	resq 1
probe_user_rsp:		resq 1		; the CPL 3 stack (probe_user_*)
alignb 64
probe_line:		resb 64		; what MONITOR arms

section .text

; int64_t probe(void (*fn)(void))
global probe
probe:
	push	rbx
	push	rbp
	push	r12
	push	r13
	push	r14
	push	r15
	sub	rsp, 8			; 16-byte aligned again at the call
	mov	[probe_resume_rsp], rsp
	lea	rax, [.caught]
	mov	[probe_resume_rip], rax
	call	rdi
	mov	qword [probe_resume_rip], 0
	mov	rax, -1
	jmp	.out
.caught:
	mov	rax, [probe_vector]
.out:
	add	rsp, 8
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	rbp
	pop	rbx
	ret

; MWAIT first: with no monitor armed it would return at once, were it
; executed [SDM 2B MWAIT].
global probe_mwait
probe_mwait:
	xor	eax, eax
	xor	ecx, ecx
	mwait
	ret

global probe_monitor
probe_monitor:
	lea	rax, [probe_line]
	xor	ecx, ecx
	xor	edx, edx
	monitor
	ret

global probe_rdpmc
probe_rdpmc:
	xor	ecx, ecx		; counter 0
	rdpmc
	ret

global probe_wbinvd
probe_wbinvd:
	wbinvd
	ret

global probe_invd
probe_invd:
	invd
	ret

; To CPL 3 at the label in R8, on probe_user_rsp, interrupts off.
to_user:
	mov	rax, [probe_user_rsp]
	push	USER_SEL_DATA		; SS
	push	rax			; RSP
	pushfq				; RFLAGS: IF is clear in these modes
	push	USER_SEL_CODE		; CS
	push	r8			; RIP
	iretq

; HC_CONSOLE_WRITE of user_text from CPL 3. Refused, it faults on the
; hypercall instruction; let through, the UD2 after it brings us back.
%macro USER_HYPERCALL 1
global probe_user_%1
global probe_user_%1_insn
probe_user_%1:
	lea	r8, [.user]
	jmp	to_user
.user:
	mov	eax, HC_CONSOLE_WRITE
	lea	rdi, [user_text]
	mov	esi, user_text_len
probe_user_%1_insn:
	%1
	ud2
%endmacro
	USER_HYPERCALL vmcall
	USER_HYPERCALL vmmcall

section .rodata
user_text:	db "this hypercall came from CPL 3", 10
user_text_len	equ $ - user_text

section .note.GNU-stack noalloc noexec nowrite progbits
