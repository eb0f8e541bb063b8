/* The last words of a hypervisor: on any CPU exception, print everything a
 * developer needs to find the cause on the serial port, then halt. */
#include <stdarg.h>
#include <stdint.h>

#include "arch/x86/arch.h"
#include "arch/x86/trap.h"
#include "drivers/uart.h"
#include "lib/console.h"
#include "lib/fmt.h"

#define BACKTRACE_MAX 16

static const char *const exc_names[NR_EXCEPTIONS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static uint64_t image_base, image_size;
static int in_fault;

void fault_set_image(uint64_t base, uint64_t size)
{
	image_base = base;
	image_size = size;
}

static void print_addr(uint64_t a)
{
	if (a - image_base < image_size)
		kprintf("  0x%016lx  (image+0x%lx)\n", (unsigned long)a,
			(unsigned long)(a - image_base));
	else
		kprintf("  0x%016lx\n", (unsigned long)a);
}

/* Walk the frame-pointer chain (everything is built with frame pointers).
 * Each frame is [saved rbp][return address]. Stop at a null, misaligned
 * or non-increasing pointer, so a corrupted stack cannot loop us. */
static void backtrace(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:\n");
	print_addr(rip);
	for (int i = 0; i < BACKTRACE_MAX && rbp && !(rbp & 7); i++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;

		if (!frame[1])
			break;
		print_addr(frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void hv_halt(void)
{
	console_flush();        /* everything queued, then this, at once */
	kprintf("flipvisor: halted\n");
	uart_drain();
	cpu_halt_forever();
}

void fault_dump(const struct trap_frame *tf)
{
	console_flush();        /* what was queued first, then the dump at once */
	/* A fault while dumping a fault: say so in as few steps as we can. */
	if (in_fault++) {
		kprintf("\nEXCEPTION vector %lu inside the fault handler\n",
			(unsigned long)tf->vector);
		hv_halt();
	}
	kprintf("\n[fault] EXCEPTION %s (vector %lu) in the hypervisor, error code "
		"0x%lx\n", exc_names[tf->vector], (unsigned long)tf->vector,
		(unsigned long)tf->error);
	kprintf("RIP %016lx  CS %04lx  RFLAGS %016lx  RSP %016lx  SS %04lx\n",
		tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss);
	kprintf("CR2 %016lx  CR3 %016lx  CR0 %016lx  CR4 %016lx\n",
		read_cr2(), read_cr3(), read_cr0(), read_cr4());
	kprintf("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n",
		tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("RSI %016lx  RDI %016lx  RBP %016lx\n", tf->rsi, tf->rdi, tf->rbp);
	kprintf("R8  %016lx  R9  %016lx  R10 %016lx  R11 %016lx\n",
		tf->r8, tf->r9, tf->r10, tf->r11);
	kprintf("R12 %016lx  R13 %016lx  R14 %016lx  R15 %016lx\n",
		tf->r12, tf->r13, tf->r14, tf->r15);
	kprintf("image base 0x%lx (add-symbol-file build/flipvisor.so -o 0x%lx)\n",
		(unsigned long)image_base, (unsigned long)image_base);
	backtrace(tf->rip, tf->rbp);
	hv_halt();
}

void panic(const char *fmt, ...)
{
	va_list ap;
	char msg[160];

	cpu_cli();
	console_flush();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	LOG("panic", "%s", msg);
	backtrace((uint64_t)(uintptr_t)__builtin_return_address(0),
		  (uint64_t)(uintptr_t)__builtin_frame_address(0));
	hv_halt();
}

void fault_selftest_page_fault(void)
{
	LOG("selftest", "reading an unmapped address; expect #PF");
	/* Canonical but outside the identity map (paging.c). */
	(void)*(volatile uint64_t *)0x00007fff00000000ull;
}

void fault_selftest_invalid_opcode(void)
{
	LOG("selftest", "executing ud2; expect #UD");
	cpu_ud2();
}

