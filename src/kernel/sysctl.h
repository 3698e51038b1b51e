/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the kernel's settings: sysctls and our own capabilities. */
#ifndef FLOWPIN_KERNEL_SYSCTL_H
#define FLOWPIN_KERNEL_SYSCTL_H

#include <stdbool.h>

/* net.ipv4.conf.IFNAME.NAME ("all" for the global one), or -1. */
int sysctl_ipv4_conf(const char *ifname, const char *name);
/* The same of /proc/sys/net/ipv6/conf/IFNAME/NAME. */
int sysctl_ipv6_conf(const char *ifname, const char *name);

/* Whether this process has CAP_NET_ADMIN in effect. */
bool sysctl_have_net_admin(void);
/* Whether the kernel has IPv6 at all (not booted with ipv6.disable=1). */
bool sysctl_have_ipv6(void);

#endif
