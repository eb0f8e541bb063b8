/* HC_MODE_CONSOLE_FLOOD: issue 12's attack on an honest VM, for ever.
 * Each round sends QUOTA + 1 broadcast frames (so every VM with a ring
 * and the default quota_frames of 32 sits at its quota, has a frame
 * dropped and is asked to reclaim), then makes CONSOLE_WRITES console
 * writes of HC_CONSOLE_MAX newlines each: 256 lines "NAME: ", which a
 * console printed synchronously at 115200 baud would take over 100 ms
 * per write to send, inside this VM's exit, while the asked VMs wait
 * for the CPU. A hypervisor that ran their reclaim deadlines on wall
 * time revoked their slots before they could read them, and stopped
 * them when they did. Reports "progress" (rounds) every REPORT_EVERY
 * rounds through HC_TEST (a hypervisor line, never dropped as its own
 * may be), and sleeps ROUND_SLEEP_MS between rounds so that the test's
 * echoes still get through. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define QUOTA           32      /* the default quota_frames */
#define CONSOLE_WRITES  2
#define REPORT_EVERY    4
#define ROUND_SLEEP_MS  20
#define FRAME_LEN       60
#define ETH_P_LOCAL     0x88b5  /* IEEE 802 local experimental EtherType 1 */

static char newlines[HC_CONSOLE_MAX];
static uint8_t frame[FRAME_LEN];

void mode_console_flood(const struct hc_identity *id)
{
	for (uint32_t i = 0; i < HC_CONSOLE_MAX; i++)
		newlines[i] = '\n';
	for (uint32_t i = 0; i < 6; i++) {
		frame[i] = 0xff;
		frame[6 + i] = id->mac[i];
	}
	frame[12] = ETH_P_LOCAL >> 8;
	frame[13] = ETH_P_LOCAL & 0xff;
	print("flooding the console after %u broadcasts a round\n", QUOTA + 1);
	cpu_cli();
	for (uint64_t round = 1;; round++) {
		for (uint32_t i = 0; i <= QUOTA; i++) {
			frame[14] = (uint8_t)i;
			hc_net_send(frame, sizeof(frame));
		}
		for (uint32_t i = 0; i < CONSOLE_WRITES; i++)
			hc_console_write(newlines, sizeof(newlines));
		if (round % REPORT_EVERY == 0)
			hc_test(HC_TEST_REPORT, HC_KEY_PROGRESS, round);
		hostile_sleep_ms(id, ROUND_SLEEP_MS);
	}
}
