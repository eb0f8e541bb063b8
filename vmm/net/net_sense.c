/* What hybrid delivery's copy_threshold is and why, for the boot log
 * and the statistics (vmm/net/dma_sense.c decides it): a number from
 * the config, or auto with what the calibration found and where the
 * frames arrive now. */
#include "lib/console.h"
#include "lib/fmt.h"
#include "vmm/net/net_glue.h"

static const char *sense_where(const struct np_sense *s)
{
	return s->state == NP_SENSE_FAR ? "from memory" : "in cache";
}

void net_mode_str(char *buf, size_t size)
{
	const struct netpath *np = net.np;
	const struct np_sense *s = &np->sense;

	if (np->mode != NP_HYBRID)
		fmt_snprintf(buf, size, "%s", net_mode_name(np->mode));
	else if (s->state == NP_SENSE_FIXED)
		fmt_snprintf(buf, size, "hybrid, copy <= %u B",
			     np->copy_threshold);
	else if (s->state == NP_SENSE_OFF)
		fmt_snprintf(buf, size, "hybrid auto, unsensed: copy <= %u B",
			     np->copy_threshold);
	else
		fmt_snprintf(buf, size, "hybrid auto, %s: copy <= %u B, "
			     "%lu samples %lu switches", sense_where(s),
			     np->copy_threshold, (unsigned long)s->samples,
			     (unsigned long)s->switches);
}

void net_sense_log(void)
{
	const struct netpath *np = net.np;
	const struct np_sense *s = &np->sense;

	if (s->state == NP_SENSE_FIXED) {
		LOG("net", "delivery hybrid: copy frames of up to %u bytes, "
		    "flip longer ones", np->copy_threshold);
	} else if (s->state == NP_SENSE_OFF) {
		LOG("net", "delivery hybrid: copy_threshold auto: sensing "
		    "unavailable (a load from memory %u TSC ticks, from cache "
		    "%u: no clear gap); copy frames of up to %u bytes, flip "
		    "longer ones", s->far, s->near, np->copy_threshold);
	} else {
		LOG("net", "delivery hybrid: copy_threshold auto: sensing on (a "
		    "load from memory %u TSC ticks, from cache %u); frames "
		    "arriving in cache are copied up to %u bytes, from memory "
		    "up to %u; now %s", s->far, s->near, NP_COPY_NEAR,
		    NP_COPY_FAR, sense_where(s));
	}
}
