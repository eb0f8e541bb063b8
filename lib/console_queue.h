/* The console's transmit queue: bytes on their way to the serial port,
 * in the order they were written, from the hypervisor (source 0) and
 * from each guest (source 1 + VM id). A guest may have at most
 * CQ_SHARE bytes waiting: past that its line is refused whole (the
 * caller counts it as dropped), so a guest that prints without pause
 * fills only its own share and delays the others' lines by at most one
 * share. The hypervisor has no share: what it cannot queue it must
 * wait for (lib/console.c sends bytes until there is room).
 *
 * Pure C, no hardware: tests/unit/test_console_queue.c runs it on the
 * host. */
#ifndef LIB_CONSOLE_QUEUE_H
#define LIB_CONSOLE_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define CQ_BYTES    (64 * 1024) /* a power of two */
#define CQ_RUNS     1024        /* source changes the queue remembers */
#define CQ_SOURCES  17          /* the hypervisor, and up to 16 VMs */
#define CQ_HV       0
#define CQ_SHARE    2048        /* bytes one guest may have waiting */

_Static_assert((CQ_BYTES & (CQ_BYTES - 1)) == 0, "CQ_BYTES: a power of two");
_Static_assert((CQ_SOURCES - 1) * CQ_SHARE <= CQ_BYTES / 2,
	       "the guests' shares leave the hypervisor half the queue");

/* Consecutive bytes from one source. */
struct cq_run {
	uint8_t  src;
	uint32_t len;
};

struct console_queue {
	uint32_t      head, tail;       /* free-running: bytes taken, put */
	uint32_t      run_head, run_tail;
	uint32_t      used[CQ_SOURCES]; /* bytes waiting, by source */
	struct cq_run run[CQ_RUNS];
	char          buf[CQ_BYTES];
};

void cq_init(struct console_queue *q);
/* Queue 'n' bytes from 'src', all or none: false (nothing changed) when
 * they do not fit, or 'src' is a guest and they would take it past
 * CQ_SHARE, or src is out of range. */
bool cq_put(struct console_queue *q, uint8_t src, const char *s, uint32_t n);
/* Take up to 'max' of the oldest bytes into 'out'; how many. */
uint32_t cq_take(struct console_queue *q, char *out, uint32_t max);
/* Bytes waiting, in all and from one source. */
uint32_t cq_len(const struct console_queue *q);
uint32_t cq_used(const struct console_queue *q, uint8_t src);

#endif
