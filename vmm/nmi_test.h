/* HC_TEST_NMI: a real host NMI while a guest runs, for the test that
 * shows it never reaches the guest (docs/hypercalls.md, HC_TEST). */
#ifndef VMM_NMI_TEST_H
#define VMM_NMI_TEST_H

#include <stdint.h>

/* An NMI to this CPU 'ms' (1..50) milliseconds from now. -1 when there
 * is no I/O APIC to deliver it. */
int nmi_test_arm(uint32_t ms);

#endif
