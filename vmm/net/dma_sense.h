/* Where the NIC's DMA leaves a received frame, sensed (dma_sense.c):
 * hybrid delivery with copy_threshold = auto copies frames up to
 * NP_COPY_NEAR bytes while they arrive in a cache, up to NP_COPY_FAR
 * while they arrive from memory, and flips the longer ones
 * (docs/performance.md, "The threshold"). Included by
 * netpath_internal.h: struct np_sense is part of struct netpath. */
#ifndef VMM_NET_DMA_SENSE_H
#define VMM_NET_DMA_SENSE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"

/* copy_threshold under auto, from make bench's crossovers since a
 * window slot is mapped by its entry alone and the NIC gets the pool's
 * pages in ascending order (docs/performance.md, "The threshold";
 * before, the pages came in an order the prefetcher could not follow,
 * and copy looked dearer everywhere). Without sensing, the fixed
 * default (the config's before auto). In a cache, as a NIC with DDIO
 * leaves a frame in the LLC (the bench's "warm"), flip beats copy from
 * about 990-1190 B on the machine of the first runs (1090-1100 B in the
 * full runs with lowest-first posting), from about 760-820 B on the one
 * of 2026-12-08 while guests released copy buffers, and from about
 * 1250-1750 B there once they came back by the ring (NET_COPY_RING, as
 * guest-stub's do): copy up to 1024, below all of them for a copy-ring
 * guest. A frame flipped short of the crossover costs a few percent
 * more (1.03 at 1024 B on the first machine), one copied past it up to
 * 9 % more (1024 B on the second, guests releasing). From memory (a NIC
 * without DDIO, "cold") copy beat flip up to about 175-190 B when
 * copies were put back in order, up to about 97 B or not at all with
 * lowest-first posting, by less than the runs' spread: past the first
 * line, which the prefetcher often has loaded already (np_sense_line),
 * the copy's reads miss, and the flip has no second pass over the
 * bytes. Up to 128 B is copied: the host cannot show the INVEPT and TLB
 * refill a real flip pays. A frame the CPU wrote itself ("hot", in L1/L2; no device's DMA
 * lands there) would pay off copied up to about 1300-1800 B; it is
 * sensed as "in a cache" too, and flipped from 1024 B at up to about
 * 1.25 times the copy's cost. */
#define NP_COPY_DEFAULT         2048
#define NP_COPY_NEAR            1024
#define NP_COPY_FAR             128

/* Calibration: the least of this many loads each way. A load from memory
 * must take NP_SENSE_GAP times one from cache, and NP_SENSE_MIN_TICKS
 * more, or there is nothing to sense: an emulator (QEMU TCG, Bochs)
 * makes CLFLUSH a no-op and RDTSC count instructions. */
#define NP_SENSE_CAL            16
#define NP_SENSE_GAP            3
#define NP_SENSE_MIN_TICKS      16
/* Every NP_SENSE_PERIOD-th frame has a line read and timed. A timed read
 * costs two RDTSC and two LFENCE, and the LFENCE waits for all earlier
 * work: hot about 20 ns, but cold about 300, as the wait for the miss
 * also stops the next frames' misses from overlapping it. In make
 * bench, timing every 16th frame of 1514 B made auto's flips cost 7 %
 * more than flip's cold (328 against 308 ns); every 128th keeps it
 * under 1 % at every size, hot or cold. */
#define NP_SENSE_PERIOD         128
#define NP_SENSE_LINE           64      /* bytes in a cache line */
/* Each sample votes: from memory if it took more than halfway from the
 * calibrated cache load to the memory one, else from a cache. The share
 * of memory votes is smoothed (each vote weighs 1/32: NP_SENSE_SHIFT);
 * the state goes to memory when it passes a quarter, back to cache when
 * it falls under an eighth. Votes, not latencies, and low lines,
 * because even without DDIO many timed reads hit: in make bench's cold
 * runs 15-60 % of the first lines by frame size (the hardware
 * prefetcher follows the receive buffers' 4 KiB stride; hence the last
 * line is timed now, np_sense_line), against 1-2 % misses hot and
 * warm. An average of latencies, or lines at 5/8 and 3/8, swung by runs
 * of those hits, switched 5-30 times a run; now 9 memory votes in a
 * row (or 22 of a half-and-half stream) switch to memory, 63 cache
 * votes in a row switch back from a steady miss stream. */
#define NP_SENSE_ONE            1024
#define NP_SENSE_SHIFT          5
#define NP_SENSE_ROUND          ((1u << NP_SENSE_SHIFT) - 1)
#define NP_SENSE_UP             (NP_SENSE_ONE / 4)
#define NP_SENSE_DOWN           (NP_SENSE_ONE / 8)

enum np_sense_state {
	NP_SENSE_FIXED,         /* copy_threshold a number: never changes */
	NP_SENSE_OFF,           /* auto, nothing to sense: NP_COPY_DEFAULT */
	NP_SENSE_NEAR,          /* auto, frames arrive in a cache */
	NP_SENSE_FAR,           /* auto, frames arrive from memory */
};

struct np_sense {
	uint8_t  state;         /* enum np_sense_state */
	int32_t  due;           /* frames until the next sample */
	uint32_t near, far;     /* calibrated ticks: a load from cache, memory */
	uint32_t mid;           /* a timed read longer than this: from memory */
	uint32_t share;         /* smoothed share of such reads, of NP_SENSE_ONE */
	uint64_t samples, switches;
};

struct netpath;

/* At np_init, after ops and mode: copy_threshold 'threshold' (a number,
 * or NP_COPY_AUTO, then calibrated if the mode is hybrid and the ops
 * can time a load). Sets np->copy_threshold. */
void np_sense_init(struct netpath *np, uint16_t threshold);

/* Whether np_rx times a read of this frame (np_sense_sample). */
static inline bool np_sense_due(struct np_sense *s)
{
	return s->state >= NP_SENSE_NEAR && --s->due <= 0;
}

/* Whether the frame of the next descriptor, the one after the
 * descriptor about to go to np_rx or np_rx_part, may be timed:
 * np_rx_ahead does not prefetch it then. np_sense_due counts down once a
 * frame, at its np_rx, and that frame's count is the next one (both
 * descriptors pieces of one frame) or the one after. */
static inline bool np_sense_soon(const struct np_sense *s)
{
	return s->state >= NP_SENSE_NEAR && s->due <= 2;
}

/* Which line of a frame of 'len' bytes np_sense_sample times: its last
 * in the first page, the one the frame's first read reaches last. Not
 * the first line: the hardware prefetcher, which follows the pages the
 * path reads the headers of one after another, has often loaded it
 * from memory by the time np_rx reads it (in make bench's cold world
 * 15-60 % of first lines, up to nearly all once the pool hands pages
 * out in order), and the copy of a longer frame still misses on every
 * line past it. */
static inline uint32_t np_sense_line(uint32_t len)
{
	uint32_t in_page = len < NET_SLOT_SIZE ? len : NET_SLOT_SIZE;

	return (in_page - 1) & ~(uint32_t)(NP_SENSE_LINE - 1);
}

/* Time the read of the line at 'line', which nothing has read yet, and
 * follow it: np->copy_threshold changes with the state. */
void np_sense_sample(struct netpath *np, const uint8_t *line);

#endif
