/* Host tests for the console's transmit queue (lib/console_queue.c):
 * bytes leave in the order they came, whoever sent them; a guest never
 * has more than its share waiting, and its share comes back as its bytes
 * leave; a refused put changes nothing; the hypervisor is refused only
 * when the queue itself is full. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/console_queue.h"

static struct console_queue q, snap;

static int reset(void **state)
{
	(void)state;
	memset(&q, 0xa5, sizeof(q));    /* cq_init must not rely on zeros */
	cq_init(&q);
	return 0;
}

static void assert_unchanged(void)
{
	assert_int_equal(q.head, snap.head);
	assert_int_equal(q.tail, snap.tail);
	assert_int_equal(q.run_head, snap.run_head);
	assert_int_equal(q.run_tail, snap.run_tail);
	assert_memory_equal(q.used, snap.used, sizeof(q.used));
}

/* Everything queued, in one string. */
static size_t drain(char *out, size_t max, uint32_t step)
{
	size_t n = 0, k;

	while ((k = cq_take(&q, out + n, step < max - n ? step : (uint32_t)(max - n))))
		n += k;
	return n;
}

static void test_order_kept(void **state)
{
	char out[128];

	(void)state;
	assert_true(cq_put(&q, CQ_HV, "[vm] a\r\n", 8));
	assert_true(cq_put(&q, 1, "a: x\r\n", 6));
	assert_true(cq_put(&q, 2, "b: y\r\n", 6));
	assert_true(cq_put(&q, 1, "a: z\r\n", 6));
	assert_true(cq_put(&q, CQ_HV, "[net] n\r\n", 9));
	assert_int_equal(cq_len(&q), 35);
	assert_int_equal(cq_used(&q, 1), 12);
	/* Taken three bytes at a time, across every run boundary. */
	assert_int_equal(drain(out, sizeof(out), 3), 35);
	assert_memory_equal(out, "[vm] a\r\na: x\r\nb: y\r\na: z\r\n[net] n\r\n", 35);
	assert_int_equal(cq_len(&q), 0);
	for (uint8_t s = 0; s < CQ_SOURCES; s++)
		assert_int_equal(cq_used(&q, s), 0);
	assert_int_equal(q.run_head, q.run_tail);
}

/* A guest that prints without pause fills its share and no more; the
 * others' lines still go in, and the hypervisor's; its share comes back
 * as its bytes are sent. */
static void test_share(void **state)
{
	char line[100], out[CQ_SHARE];
	uint32_t lines = 0;

	(void)state;
	memset(line, 'f', sizeof(line));
	while (cq_put(&q, 3, line, sizeof(line)))
		lines++;
	assert_int_equal(lines, CQ_SHARE / sizeof(line));
	assert_true(cq_used(&q, 3) <= CQ_SHARE);
	memcpy(&snap, &q, sizeof(q));
	assert_false(cq_put(&q, 3, line, sizeof(line)));
	assert_unchanged();
	assert_true(cq_put(&q, 4, "ok\r\n", 4));
	assert_true(cq_put(&q, CQ_HV, line, sizeof(line)));
	/* One line sent: room for one more, not two. */
	assert_int_equal(cq_take(&q, out, sizeof(line)), sizeof(line));
	assert_true(cq_put(&q, 3, line, sizeof(line)));
	assert_false(cq_put(&q, 3, line, sizeof(line)));
	/* A line longer than a share never fits. */
	drain(out, sizeof(out), 64);
	drain(out, sizeof(out), 64);
	assert_int_equal(cq_len(&q), 0);
	assert_false(cq_put(&q, 5, out, CQ_SHARE + 1));
	assert_true(cq_put(&q, 5, out, CQ_SHARE));
}

/* The hypervisor fills the queue to the byte; then it is refused too. */
static void test_hv_fills_queue(void **state)
{
	static char big[CQ_BYTES];
	char out[16];

	(void)state;
	memset(big, 'h', sizeof(big));
	assert_true(cq_put(&q, CQ_HV, big, CQ_BYTES - 1));
	assert_false(cq_put(&q, 1, "a\r\n", 3));
	assert_true(cq_put(&q, CQ_HV, "!", 1));
	memcpy(&snap, &q, sizeof(q));
	assert_false(cq_put(&q, CQ_HV, "x", 1));
	assert_unchanged();
	assert_int_equal(cq_take(&q, out, sizeof(out)), sizeof(out));
	assert_true(cq_put(&q, 1, "a\r\n", 3));
	/* The ring wraps and keeps the bytes. */
	while (cq_len(&q) > 3)
		cq_take(&q, out, sizeof(out) < cq_len(&q) - 3 ?
			sizeof(out) : cq_len(&q) - 3);
	assert_int_equal(cq_take(&q, out, sizeof(out)), 3);
	assert_memory_equal(out, "a\r\n", 3);
}

/* Alternating sources use one run each: when the runs are all taken a
 * guest is refused and the hypervisor, whose text extends its own last
 * run, still gets in while it was the last writer. */
static void test_runs_run_out(void **state)
{
	char out[4];

	(void)state;
	for (uint32_t i = 0; i < CQ_RUNS; i++)
		assert_true(cq_put(&q, (uint8_t)(1 + i % 2), "x", 1));
	memcpy(&snap, &q, sizeof(q));
	assert_false(cq_put(&q, CQ_HV, "h", 1));
	assert_false(cq_put(&q, 1, "x", 1));
	assert_unchanged();
	assert_true(cq_put(&q, 2, "y", 1));             /* extends the last run */
	assert_int_equal(cq_take(&q, out, 1), 1);
	assert_true(cq_put(&q, CQ_HV, "h", 1));
}

static void test_bad_source(void **state)
{
	(void)state;
	memcpy(&snap, &q, sizeof(q));
	assert_false(cq_put(&q, CQ_SOURCES, "x", 1));
	assert_false(cq_put(&q, 0xff, "x", 1));
	assert_unchanged();
	assert_int_equal(cq_used(&q, CQ_SOURCES), 0);
	assert_true(cq_put(&q, 1, "", 0));              /* nothing, accepted */
	assert_int_equal(cq_len(&q), 0);
	assert_int_equal(q.run_tail, q.run_head);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_order_kept),
		T(test_share),
		T(test_hv_fills_queue),
		T(test_runs_run_out),
		T(test_bad_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
