/* The Internet checksum [RFC 1071]: the ones' complement of the ones'
 * complement sum of the data as big-endian 16-bit words. Summing in 32
 * bits and folding the carries once at the end gives the same result
 * [RFC 1071 2.(B), "deferred carries"]; a frame is at most 1514 bytes,
 * far from overflowing. */
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_wire.h"

uint32_t net_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n >= 2; p += 2, n -= 2)
		sum += get_be16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;     /* an odd byte: pad with zero */
	return sum;
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
			uint16_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	       proto + len;
}
