/* What the network path's unit tests (tests/unit/test_frame_pool.c,
 * test_demux.c, test_rx_deliver.c, test_rx_release.c, test_take_back.c,
 * test_reclaim.c, test_net_tx.c, test_netpath_check.c,
 * test_netpath_clock.c, test_netpath_soak.c) share on top of the fakes
 * (netpath_fakes.h): the steps a test takes (the NIC receives a frame, a
 * VM sends or releases one), the snapshot behind "a refused call changes
 * nothing", the delivery modes a test runs in, and the set-up and end
 * of every test: np_check, the fake EPTs and NIC ring against the
 * pool's books, idle pages zero. Uses cmocka: unit tests only (the fuzz
 * harnesses have the fakes alone). */
#ifndef TESTS_UNIT_NETPATH_STEPS_H
#define TESTS_UNIT_NETPATH_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/unit/netpath_fakes.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A test with the shared set-up and end checks. */
#define T(f) cmocka_unit_test_setup_teardown(f, reset, finish)

/* One named test per row of a table of cases. */
#define ROWS(dst, cases, fn)                                                  \
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)                         \
		dst[i] = (struct CMUnitTest){                                  \
			.name = cases[i].name, .test_func = fn,                \
			.setup_func = reset, .teardown_func = finish,          \
			.initial_state = (void *)&cases[i],                    \
		}

extern uint32_t seed;           /* the NIC's and the senders' patterns */

extern const uint8_t BCAST[6], MCAST[6], MCAST6[6];
extern const uint8_t UNKNOWN[6];        /* unicast, no VM's */
extern const uint8_t OUTSIDE[6];        /* the source of frames from the wire */

/* The NIC fills its oldest posted buffer (refilling first if it has
 * none): 'len' bytes, to 'dst', from OUTSIDE. Returns its hpa. */
uint64_t nic_write(const uint8_t dst[6], uint16_t len);
/* nic_write, then np_rx: how many VMs got it. */
uint32_t rx(const uint8_t dst[6], uint16_t len);
/* rx(), keeping in 'out' the bytes the NIC wrote, before np_rx may
 * scrub them. */
uint32_t rx_keep(const uint8_t dst[6], uint16_t len, uint8_t *out);
/* A frame from VM 'v' to 'dst', 'len' bytes; and np_tx of one. */
void make_frame(uint8_t *buf, uint32_t v, const uint8_t dst[6],
		uint16_t len);
int tx(uint32_t v, const uint8_t dst[6], uint16_t len);
int release1(uint32_t v, uint16_t slot);

/* Ops of kind 'op' (OP_*) in the fakes' log from entry 'from' on. */
uint32_t count_ops(uint8_t op, uint32_t from);
/* The frame in VM v's window slot, or NP_NO_FRAME. */
uint32_t frame_of(uint32_t v, uint16_t slot);
/* VM v's delivered window slots; everything it holds as HC_NET_RELEASE
 * names it (slots, then copy buffers with NET_SLOT_COPY; 'out' has room
 * for twice nr_slots); whether a list has a window slot. */
uint32_t delivered_slots(uint32_t v, uint16_t *out);
uint32_t held_list(uint32_t v, uint16_t *out);
bool any_window_slot(const uint16_t *slots, uint32_t n);

/* The netpath, the fakes and the copy areas now; then that none of them
 * changed since (a test may first add to the snapshot what a refusal
 * does change: its counters). */
extern struct netpath snap_np;
extern struct fake snap_fk;
void snapshot(void);
void assert_unchanged(void);
/* n bytes at a and b are the same, or fail naming 'what'. */
void assert_same(const void *a, const void *b, size_t n, const char *what);

/* The delivery modes the mode tests and the soak run in; hybrid at a
 * threshold that sends some frames each way. */
struct mode_case {
	const char *name;
	uint8_t     mode;
	uint16_t    threshold;
};

extern const struct mode_case mode_cases[3];

/* The rule, for a VM with a copy area: is a frame of 'len' copied? */
bool copies(const struct mode_case *m, uint16_t len);
bool all_bytes(const uint8_t *p, size_t n, uint8_t b);
/* Entry i of VM v's ring announces 'len' bytes of 'data' with 'flags',
 * copied or flipped, and the buffer or slot it names holds them: on a
 * copy ring, buffer i & copy_mask. */
void assert_entry(uint32_t v, uint32_t i, const uint8_t *data,
		  uint16_t len, uint16_t flags, bool copy);

/* cmocka set-up and tear-down of every test: the fakes reset, now =
 * 1000; at the end (unless the test corrupted the books on purpose)
 * np_check, assert_mirror and assert_idle_pages_clean. */
int reset(void **state);
int finish(void **state);

#endif
