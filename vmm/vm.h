/* A virtual machine: one guest (guest-stub or an image file) with its RAM, its nested page table,
 * one vCPU and its virtual devices. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/config.h"
#include "vmm/image.h"
#include "mm/page_alloc.h"
#include "vmm/virt.h"
#include "vmm/vuart.h"

struct vdev;            /* vmm/dev/vdev.h */

enum vm_state {
	VM_RUNNABLE,
	VM_HALTED,      /* in HLT: waits for a virtual interrupt */
	VM_STOPPED,     /* for good: a fault, or a misbehaviour */
};

#define VM_HC_ERRORS 5   /* 1 + the highest error code counted (HC_E_STATE) */

/* Everything a guest can make the hypervisor count. */
struct vm_stats {
	uint64_t exits;
	uint64_t hypercalls;
	uint64_t hypercall_errors;
	/* hypercall_errors by code: [HC_E_NOSYS] .. [HC_E_STATE]; 0 is
	 * every other code (none today). HC_E_NODEV is no error. */
	uint64_t hypercall_refused[VM_HC_ERRORS];
	uint64_t io_unclaimed_in;       /* reads of ports nobody emulates */
	uint64_t io_unclaimed_out;
	uint64_t msr_refused;
	uint64_t irqs_injected;
	/* vmm/intercept.c */
	uint64_t insn_refused;          /* MONITOR, MWAIT, RDPMC: #UD or #GP */
	uint64_t insn_nop;              /* WBINVD, INVD: stepped over */
	uint64_t hypercall_user;        /* VMCALL/VMMCALL at CPL > 0: #UD */
	uint64_t host_nmis;             /* host NMIs that arrived while it ran */
};

struct vm {
	uint32_t             id;
	const struct cfg_vm *cfg;
	enum vm_state        state;
	/* The host block its RAM was built in: contiguous, 2 MiB aligned.
	 * Page exchange moves pages out of it and others in (vm_read). */
	uint64_t             ram_hpa;
	uint64_t             ram_bytes;
	struct npt          *npt;
	struct vcpu         *vcpu;
	uint64_t             pending[4];        /* virtual IRR: vectors 0..255 */
	uint64_t             timer_deadline;    /* TSC; 0 = none (HC_SET_TIMER) */
	uint64_t             kick_deadline;     /* TSC; 0 = none (HC_TEST_KICK) */
	uint8_t              kick_vector;
	/* Its own time (vm_own_time): TSC ticks in guest mode, plus those
	 * asleep in HLT up to halted_at (the TSC it fell asleep). */
	uint64_t             own_ticks;
	uint64_t             halted_at;
	struct vuart         uart;
	struct vdev         *dev;       /* Linux VMs' devices; NULL for guest-stub */
	struct vm_stats      stats;
	/* The last MSR access refused with #GP (guest_msr_refuse), named
	 * when the VM stops on a triple fault: a #GP before the guest has
	 * an IDT is the usual cause (docs/linux.md). */
	struct {
		bool     valid;
		bool     write;
		uint32_t msr;
		uint64_t rip;
	} msr_refused_last;
};

/* What a VM is built from besides its config. 'file' is the image read
 * at boot for a VM with an 'image' key (NULL or empty is refused), or
 * the bzImage of one with a 'kernel' key, 'initrd' its initramfs (NULL:
 * none); with neither key the built-in guest-stub runs. A Linux VM is
 * told 'tsc_khz' on its command line, and its devices start at host TSC
 * 'now' with the wall clock at 'wall_s' (Unix time, 0: unknown). */
struct vm_boot {
	const struct guest_file *file;
	const struct guest_file *initrd;
	uint32_t                 tsc_khz;
	uint64_t                 now;
	uint64_t                 wall_s;
};

/* Build a VM from its config: RAM, nested page table, guest image and
 * entry state, vCPU, and a Linux VM's devices. Returns 0, or -1 with a
 * log line and nothing kept. */
int vm_create(struct vm *vm, uint32_t id, const struct cfg_vm *cfg,
	      const struct vm_boot *boot, struct page_alloc *pa);

/* Stop a VM for good, with one log line naming the reason. */
void vm_stop(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The VM's own time at TSC 'now': what it spent in guest mode and asleep
 * in HLT, never what it spent waiting for the CPU while runnable (other
 * VMs' slices, the hypervisor's work). Its reclaim deadlines run on this
 * clock (docs/datapath.md, "Revocation"). */
uint64_t vm_own_time(const struct vm *vm, uint64_t now);
/* It ran in guest mode from TSC 'entry' to 'exit' (sched.c). */
void vm_ran(struct vm *vm, uint64_t entry, uint64_t exit);
/* HLT with nothing pending: VM_HALTED from 'now'. */
void vm_sleep(struct vm *vm, uint64_t now);
/* A virtual interrupt for a halted VM: VM_RUNNABLE from 'now'. */
void vm_wake(struct vm *vm, uint64_t now);

/* Guest RAM as the hypervisor reaches it: through the VM's nested table,
 * page by page, since page exchange (docs/datapath.md) leaves RAM in
 * host pages of any order. Each is false, and vm_write changes nothing,
 * when any byte of [gpa, gpa + len) lies outside RAM or on a page that
 * is not present (a page posted for receive): the hypercall's
 * HC_E_FAULT. */
bool vm_read(struct vm *vm, uint64_t gpa, void *buf, uint64_t len);
bool vm_write(struct vm *vm, uint64_t gpa, const void *buf, uint64_t len);

/* A lasting pointer to 'len' bytes at 'gpa', or NULL as for vm_read and
 * also when the pages are not consecutive in host memory. Only for
 * memory whose mapping cannot change while the pointer is kept: a
 * receive ring (never postable) or a window VM's copy area (a window VM
 * posts nothing). */
void *vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len);

#endif
