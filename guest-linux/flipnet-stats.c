/* flipnet-stats IFACE: what `ethtool -S IFACE` prints, for the Linux
 * guest's initramfs, which has busybox but no ethtool. It asks the
 * driver the same way ethtool does, with the SIOCETHTOOL ioctl
 * (include/uapi/linux/ethtool.h): ETHTOOL_GSSET_INFO for the number of
 * statistics, ETHTOOL_GSTRINGS for their names, ETHTOOL_GSTATS for the
 * values; and prints "NAME: VALUE" lines. Built static by the Makefile
 * (gcc -static), so it needs no libraries in the guest. */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int ethtool(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

int main(int argc, char **argv)
{
	struct { struct ethtool_sset_info hdr; uint32_t len; } sset;
	struct ethtool_gstrings *names;
	struct ethtool_stats *vals;
	uint32_t n, i;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IFACE\n", argv[0]);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sset, 0, sizeof(sset));
	sset.hdr.cmd = ETHTOOL_GSSET_INFO;
	sset.hdr.sset_mask = 1ull << ETH_SS_STATS;
	if (fd < 0 || ethtool(fd, argv[1], &sset) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (!sset.hdr.sset_mask) {
		fprintf(stderr, "%s: no statistics\n", argv[1]);
		return 1;
	}
	n = sset.len;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + (size_t)n * sizeof(uint64_t));
	if (!names || !vals)
		return 1;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = n;
	if (ethtool(fd, argv[1], names) < 0 || ethtool(fd, argv[1], vals) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%.*s: %llu\n", ETH_GSTRING_LEN,
		       (char *)names->data + i * ETH_GSTRING_LEN,
		       (unsigned long long)vals->data[i]);
	close(fd);
	return 0;
}
