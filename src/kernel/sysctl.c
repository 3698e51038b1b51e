// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <unistd.h>

#include "kernel/sysctl.h"

#define CAP_NET_ADMIN_BIT 12

static int sysctl_conf(const char *fam, const char *ifname, const char *name)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", fam, ifname,
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int sysctl_ipv4_conf(const char *ifname, const char *name)
{
	return sysctl_conf("ipv4", ifname, name);
}

int sysctl_ipv6_conf(const char *ifname, const char *name)
{
	return sysctl_conf("ipv6", ifname, name);
}

bool sysctl_have_ipv6(void)
{
	return access("/proc/sys/net/ipv6", F_OK) == 0;
}

/* Read from /proc rather than through libcap: one bit is all we need. */
bool sysctl_have_net_admin(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ULL << CAP_NET_ADMIN_BIT);
}
