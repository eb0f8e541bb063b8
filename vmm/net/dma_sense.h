/* Where the NIC's DMA leaves a received frame, sensed (dma_sense.c):
 * hybrid delivery with copy_threshold = auto copies the short frames
 * that arrive in a cache and flips the rest, and every frame that
 * arrives from memory
 * (docs/performance.md, "The threshold"). Included by
 * netpath_internal.h: struct np_sense is part of struct netpath. */
#ifndef VMM_NET_DMA_SENSE_H
#define VMM_NET_DMA_SENSE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"

/* copy_threshold under auto, from make bench's crossovers since a
 * window slot is mapped by its entry alone (docs/performance.md, "The
 * threshold"). Without sensing, the fixed default (the config's before
 * auto). In a cache, as a NIC with DDIO leaves a frame in the LLC
 * (the bench's "warm"), flip beats copy from about 1130 B in the full
 * make bench (380-660 B in --quick runs): copy up to 512, within 3 %
 * of the better either way in the full run. From memory (a NIC without
 * DDIO, "cold") flip wins from about 340 B (the full run: copy 207 ns
 * against flip's 213 at 256 B, 228 against 214 at 512; --quick runs,
 * whose short slices keep the path's own tables cached, put it below
 * 64 B): copy up to 256. A frame the CPU wrote itself ("hot", in
 * L1/L2; no device's DMA lands there) pays off copied up to about
 * 1350 B; it is sensed as "in a cache" too, and flipped from 512 B at
 * up to 1.09 times the copy's cost. */
#define NP_COPY_DEFAULT         2048
#define NP_COPY_NEAR            512
#define NP_COPY_FAR             256

/* Calibration: the least of this many loads each way. A load from memory
 * must take NP_SENSE_GAP times one from cache, and NP_SENSE_MIN_TICKS
 * more, or there is nothing to sense: an emulator (QEMU TCG, Bochs)
 * makes CLFLUSH a no-op and RDTSC count instructions. */
#define NP_SENSE_CAL            16
#define NP_SENSE_GAP            3
#define NP_SENSE_MIN_TICKS      16
/* Every NP_SENSE_PERIOD-th frame's first read is timed. A timed read
 * costs two RDTSC and two LFENCE, and the LFENCE waits for all earlier
 * work: hot about 20 ns, but cold about 300, as the wait for the miss
 * also stops the next frames' misses from overlapping it. In make
 * bench, timing every 16th frame of 1514 B made auto's flips cost 7 %
 * more than flip's cold (328 against 308 ns); every 128th keeps it
 * under 1 % at every size, hot or cold. */
#define NP_SENSE_PERIOD         128
/* Each sample votes: from memory if it took more than halfway from the
 * calibrated cache load to the memory one, else from a cache. The share
 * of memory votes is smoothed (each vote weighs 1/32: NP_SENSE_SHIFT);
 * the state goes to memory when it passes a quarter, back to cache when
 * it falls under an eighth. Votes, not latencies, and low lines,
 * because even without DDIO many first reads hit: in make bench's cold
 * runs 15-60 % of them by frame size (the hardware prefetcher follows
 * the receive buffers' 4 KiB stride), against 1-2 % misses hot and
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
	uint32_t mid;           /* a first read longer than this: from memory */
	uint32_t share;         /* smoothed share of such reads, of NP_SENSE_ONE */
	uint64_t samples, switches;
};

struct netpath;

/* At np_init, after ops and mode: copy_threshold 'threshold' (a number,
 * or NP_COPY_AUTO, then calibrated if the mode is hybrid and the ops
 * can time a load). Sets np->copy_threshold. */
void np_sense_init(struct netpath *np, uint16_t threshold);

/* Whether np_rx times this frame's first read (np_sense_sample) rather
 * than just reading it. */
static inline bool np_sense_due(struct np_sense *s)
{
	return s->state >= NP_SENSE_NEAR && --s->due <= 0;
}

/* Time the first read of the frame at 'first', which nothing has read
 * yet, and follow it: np->copy_threshold changes with the state. */
void np_sense_sample(struct netpath *np, const uint8_t *first);

#endif
