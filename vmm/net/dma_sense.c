/* Where the NIC's DMA leaves received frames, sensed, for hybrid
 * delivery with copy_threshold = auto (dma_sense.h has the constants,
 * docs/performance.md "The threshold" the measurements behind them).
 *
 * Copy or flip depends on where a frame is when the path first reads
 * it: in a cache (in the LLC as Intel's DDIO leaves it [Intel DDIO
 * technology brief]) copying a frame up to about 1 KiB beats mapping
 * it; from memory, the copy's misses make flipping cheaper from a
 * couple of hundred bytes. A machine either places DMA in its LLC or
 * does not, but a config cannot know which one it boots on. So: at
 * set-up, time a load of a line of our own flushed to memory and again
 * from cache; if the two differ clearly, time a read of a received
 * frame's last line (in its first page: np_sense_line) now and then,
 * before anything else reads the frame, and copy up to NP_COPY_NEAR
 * bytes while those reads look like cache hits, NP_COPY_FAR while they
 * look like misses. */
#include <stdbool.h>
#include <stdint.h>

#include "vmm/net/dma_sense.h"
#include "vmm/net/netpath_internal.h"

/* A line no one else uses, flushed and loaded by the calibration. */
static uint8_t sense_line[64] __attribute__((aligned(64)));

static void sense_set(struct netpath *np, enum np_sense_state st)
{
	np->sense.state = (uint8_t)st;
	np->copy_threshold = st == NP_SENSE_NEAR ? NP_COPY_NEAR :
			     st == NP_SENSE_FAR ? NP_COPY_FAR : NP_COPY_DEFAULT;
}

/* The least ticks of NP_SENSE_CAL loads from memory and from cache:
 * the least is the load itself, the rest is interrupts and noise. */
static void calibrate(struct netpath *np, uint32_t *near, uint32_t *far)
{
	*near = *far = UINT32_MAX;
	for (uint32_t i = 0; i < NP_SENSE_CAL; i++) {
		uint32_t f = np->ops.load_ticks(np->ops.ctx, sense_line, true);
		uint32_t n = np->ops.load_ticks(np->ops.ctx, sense_line, false);

		*far = f < *far ? f : *far;
		*near = n < *near ? n : *near;
	}
}

void np_sense_init(struct netpath *np, uint16_t threshold)
{
	struct np_sense *s = &np->sense;
	uint32_t near, far;

	*s = (struct np_sense){ 0 };
	if (threshold != NP_COPY_AUTO) {
		s->state = NP_SENSE_FIXED;
		np->copy_threshold = threshold;
		return;
	}
	sense_set(np, NP_SENSE_OFF);
	if (np->mode != NP_HYBRID || !np->ops.load_ticks)
		return;
	calibrate(np, &near, &far);
	s->near = near;
	s->far = far;
	if (far < near + NP_SENSE_MIN_TICKS ||
	    far / NP_SENSE_GAP < near)
		return;
	s->mid = near + (far - near) / 2;
	s->due = NP_SENSE_PERIOD;
	sense_set(np, NP_SENSE_NEAR);
}

void np_sense_sample(struct netpath *np, const uint8_t *line)
{
	struct np_sense *s = &np->sense;
	uint32_t t = np->ops.load_ticks(np->ops.ctx, line, false);

	s->due = NP_SENSE_PERIOD;
	s->samples++;
	/* Rounded up both ways, so a steady stream reaches 0 or ONE. */
	if (t > s->mid)
		s->share += (NP_SENSE_ONE - s->share + NP_SENSE_ROUND) >>
			    NP_SENSE_SHIFT;
	else
		s->share -= (s->share + NP_SENSE_ROUND) >> NP_SENSE_SHIFT;
	/* The band between the two lines is the hysteresis. */
	if (s->state == NP_SENSE_NEAR && s->share > NP_SENSE_UP)
		sense_set(np, NP_SENSE_FAR);
	else if (s->state == NP_SENSE_FAR && s->share < NP_SENSE_DOWN)
		sense_set(np, NP_SENSE_NEAR);
	else
		return;
	s->switches++;
}
