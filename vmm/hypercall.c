/* Hypercalls (docs/hypercalls.md). Each handler checks every argument
 * before it changes anything; a refused call returns a negative HC_E*,
 * is counted, and leaves all state as it was. */
#include "lib/console.h"
#include "lib/string.h"
#include "vmm/hypercall.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/net.h"
#include "vmm/nmi_test.h"

#define KICK_DELAY_MS  20      /* HC_TEST_KICK fires this much later */
#define NMI_TEST_MAX_MS 50     /* HC_TEST_NMI: the PIT counts to 54 ms */

struct hc_args {
	uint64_t nr, a0, a1, a2;
	uint64_t now, tsc_per_ms;
	bool     yield;
};

static int64_t hc_get_identity(struct vm *vm, struct hc_args *a)
{
	struct hc_identity ident, *id = &ident;
	const struct cfg_vm *c = vm->cfg;
	uint64_t n = a->a1 ? a->a1 : HC_IDENTITY_SIZE_0;

	/* Never more than the guest's buffer holds: the structure grew
	 * (irq_rx, irq_reclaim, mtu) under guests built before. */
	if (n < HC_IDENTITY_SIZE_MIN)
		return -HC_E_INVAL;
	if (n > sizeof(*id))
		n = sizeof(*id);
	memset(id, 0, sizeof(*id));
	id->vm_id = vm->id;
	id->test_mode = c->test_mode;
	memcpy(id->name, c->name, sizeof(c->name) < HC_NAME_MAX ?
	       sizeof(c->name) : HC_NAME_MAX);
	id->name[HC_NAME_MAX - 1] = '\0';
	memcpy(id->mac, c->mac, 6);
	id->prefix_len = c->prefix_len;
	id->ipv4 = c->ipv4;
	id->ram_bytes = vm->ram_bytes;
	id->tsc_per_ms = a->tsc_per_ms;
	id->ping_ipv4 = c->ping_ipv4;
	id->mtu = net_mtu();
	/* A Linux VM takes the network's interrupts on its 8259 (virq.c). */
	if (vm->dev) {
		id->irq_rx = HC_IRQ_NET_RX;
		id->irq_reclaim = HC_IRQ_NET_RECLAIM;
	}
	return vm_write(vm, a->a0, id, n) ? 0 : -HC_E_FAULT;
}

static int64_t hc_console_write(struct vm *vm, struct hc_args *a)
{
	char s[HC_CONSOLE_MAX];

	if (a->a1 > HC_CONSOLE_MAX)
		return -HC_E_INVAL;
	if (!vm_read(vm, a->a0, s, a->a1))
		return -HC_E_FAULT;
	vuart_write(&vm->uart, s, a->a1);
	return (int64_t)a->a1;
}

static int64_t hc_set_timer(struct vm *vm, struct hc_args *a)
{
	if (a->a0 > HC_TIMER_MAX_MS * a->tsc_per_ms)
		return -HC_E_INVAL;
	vm->timer_deadline = a->a0 ? a->now + a->a0 : 0;
	return 0;
}

static const char *const key_names[HC_KEY_NR] = {
	[HC_KEY_IRQ_COUNT] = "irq_count",
	[HC_KEY_PROGRESS]  = "progress",
	[HC_KEY_PING_OK]   = "ping_ok",
	[HC_KEY_DIRTY]     = "dirty",
	[HC_KEY_NET_RX]    = "net_rx",
};

static int64_t hc_test(struct vm *vm, struct hc_args *a)
{
	switch (a->a0) {
	case HC_TEST_REPORT:
		if (a->a1 == 0 || a->a1 >= HC_KEY_NR)
			return -HC_E_INVAL;
		LOG("test", "%s: %s=%lu", vm->cfg->name, key_names[a->a1],
		    (unsigned long)a->a2);
		return 0;
	case HC_TEST_KICK:
		if (a->a1 < HC_VEC_MIN || a->a1 > 255)
			return -HC_E_INVAL;
		vm->kick_vector = (uint8_t)a->a1;
		vm->kick_deadline = a->now + KICK_DELAY_MS * a->tsc_per_ms;
		return 0;
	case HC_TEST_NMI:
		/* A host NMI is the machine's business: only the VM the
		 * config made the NMI test's may ask for one. */
		if (vm->cfg->test_mode != HC_MODE_NMI_PROBE)
			return -HC_E_NOSYS;
		if (a->a1 < 1 || a->a1 > NMI_TEST_MAX_MS)
			return -HC_E_INVAL;
		return nmi_test_arm((uint32_t)a->a1) ? -HC_E_STATE : 0;
	default:
		return -HC_E_NOSYS;
	}
}

static const char *const error_names[] = {
	[HC_E_NOSYS] = "HC_E_NOSYS",
	[HC_E_INVAL] = "HC_E_INVAL",
	[HC_E_FAULT] = "HC_E_FAULT",
	[HC_E_STATE] = "HC_E_STATE",
	[HC_E_NODEV] = "HC_E_NODEV",
};
#define NR_ERRORS (sizeof(error_names) / sizeof(error_names[0]))
_Static_assert(HC_E_STATE + 1 == VM_HC_ERRORS && HC_E_NODEV == VM_HC_ERRORS,
	       "vm_stats.hypercall_refused has one counter per refusal code");

bool hypercall(struct vm *vm, uint64_t now, uint64_t tsc_per_ms)
{
	struct guest_regs *r = vcpu_regs(vm->vcpu);
	struct hc_args a = { r->rax, r->rdi, r->rsi, r->rdx, now, tsc_per_ms,
			     false };
	int64_t ret;

	vm->stats.hypercalls++;
	switch (a.nr) {
	case HC_GET_IDENTITY:  ret = hc_get_identity(vm, &a); break;
	case HC_CONSOLE_WRITE: ret = hc_console_write(vm, &a); break;
	case HC_YIELD:         ret = 0; a.yield = true; break;
	case HC_SET_TIMER:     ret = hc_set_timer(vm, &a); break;
	case HC_TEST:          ret = hc_test(vm, &a); break;
	case HC_NET_SETUP:
	case HC_NET_RELEASE:
	case HC_NET_SEND:
	case HC_NET_STATS:
	case HC_NET_SETUP_XCHG:
	case HC_NET_POST:
	case HC_NET_DETACH:
		ret = net_hypercall(vm, a.nr, a.a0, a.a1, now);
		break;
	default:               ret = -HC_E_NOSYS; break;
	}
	/* "No NIC here" is an answer, not a misbehaving guest. */
	if (ret < 0 && ret != -HC_E_NODEV) {
		uint64_t n = ++vm->stats.hypercall_errors;

		vm->stats.hypercall_refused[-ret < VM_HC_ERRORS ? -ret : 0]++;

		/* Count every refusal; log the 1st, 2nd, 4th, 8th ... so a
		 * flood stays visible without drowning the console. */
		if (!(n & (n - 1)))
			LOG("hc", "%s: refused hypercall %lu (args 0x%lx 0x%lx): "
			    "%s; %lu refused so far", vm->cfg->name,
			    (unsigned long)a.nr, (unsigned long)a.a0,
			    (unsigned long)a.a1,
			    -ret < (int64_t)NR_ERRORS ? error_names[-ret] : "?",
			    (unsigned long)n);
	}
	r->rax = (uint64_t)ret;
	return a.yield;
}
