/* The console's transmit queue (console_queue.h): a byte ring, and beside
 * it a ring of runs saying which source each stretch of bytes came from,
 * so a guest's share is given back as its bytes leave. */
#include "lib/console_queue.h"

#define MASK (CQ_BYTES - 1)

void cq_init(struct console_queue *q)
{
	q->head = q->tail = 0;
	q->run_head = q->run_tail = 0;
	for (uint32_t i = 0; i < CQ_SOURCES; i++)
		q->used[i] = 0;
}

uint32_t cq_len(const struct console_queue *q)
{
	return q->tail - q->head;
}

uint32_t cq_used(const struct console_queue *q, uint8_t src)
{
	return src < CQ_SOURCES ? q->used[src] : 0;
}

static struct cq_run *last_run(struct console_queue *q)
{
	if (q->run_tail == q->run_head)
		return 0;
	return &q->run[(q->run_tail - 1) % CQ_RUNS];
}

bool cq_put(struct console_queue *q, uint8_t src, const char *s, uint32_t n)
{
	struct cq_run *r;

	/* Validate: every check before anything changes. */
	if (src >= CQ_SOURCES || n > CQ_BYTES - cq_len(q))
		return false;
	if (src != CQ_HV && n > CQ_SHARE - q->used[src])
		return false;
	r = last_run(q);
	if ((!r || r->src != src) && q->run_tail - q->run_head == CQ_RUNS)
		return false;
	if (!n)
		return true;
	/* Perform. */
	if (!r || r->src != src) {
		r = &q->run[q->run_tail++ % CQ_RUNS];
		r->src = src;
		r->len = 0;
	}
	r->len += n;
	q->used[src] += n;
	for (uint32_t i = 0; i < n; i++)
		q->buf[(q->tail + i) & MASK] = s[i];
	q->tail += n;
	return true;
}

uint32_t cq_take(struct console_queue *q, char *out, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && q->run_head != q->run_tail) {
		struct cq_run *r = &q->run[q->run_head % CQ_RUNS];
		uint32_t k = r->len < max - n ? r->len : max - n;

		for (uint32_t i = 0; i < k; i++)
			out[n + i] = q->buf[(q->head + i) & MASK];
		q->head += k;
		n += k;
		r->len -= k;
		q->used[r->src] -= k;
		if (!r->len)
			q->run_head++;
	}
	return n;
}
