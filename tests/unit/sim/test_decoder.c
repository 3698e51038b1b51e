// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "sim/decoder.h"

/* An IPv4 header for @proto, @tot bytes in all, fragment fields given. */
static size_t ip4(uint8_t *b, uint8_t proto, uint16_t tot, uint16_t id,
		  uint16_t frag)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, "192.168.1.2", b + 12);
	inet_pton(AF_INET, "198.51.100.7", b + 16);
	return 20;
}

static size_t ports(uint8_t *b, uint16_t s, uint16_t d)
{
	b[0] = (uint8_t)(s >> 8);
	b[1] = (uint8_t)s;
	b[2] = (uint8_t)(d >> 8);
	b[3] = (uint8_t)d;
	memset(b + 4, 0, 16);
	return 20;
}

static void assert_v4_tuple(const struct pkt *p, uint8_t proto, uint16_t s,
			    uint16_t d)
{
	uint8_t src[4], dst[4];

	inet_pton(AF_INET, "192.168.1.2", src);
	inet_pton(AF_INET, "198.51.100.7", dst);
	assert_int_equal(p->key.family, AF_INET);
	assert_int_equal(p->key.proto, proto);
	assert_memory_equal(p->key.src, src, 4);
	assert_memory_equal(p->key.dst, dst, 4);
	assert_int_equal(p->key.sport, s);
	assert_int_equal(p->key.dport, d);
}

static void test_ethernet_vlan(void **state)
{
	struct decoder d;
	struct pkt p;
	uint8_t f[128] = { 0 };
	size_t n = 12;

	(void)state;
	assert_int_equal(decoder_init(&d, LT_ETHERNET), 0);
	/* two VLAN tags, then IPv4 */
	f[n++] = 0x88, f[n++] = 0xa8, n += 2;
	f[n++] = 0x81, f[n++] = 0x00, n += 2;
	f[n++] = 0x08, f[n++] = 0x00;
	n += ip4(f + n, IPPROTO_TCP, 1000, 1, 0);
	n += ports(f + n, 40000, 443);
	f[n - 20 + 13] = 0x02; /* SYN */
	assert_int_equal(decoder_decode(&d, 7, f, (uint32_t)n, &p),
			 DECODE_PACKET);
	assert_v4_tuple(&p, IPPROTO_TCP, 40000, 443);
	assert_int_equal(p.len, 1000); /* from the IP header, not the capture */
	assert_int_equal(p.tcp_flags, 0x02);
	assert_int_equal(p.ts_us, 7);

	f[12] = 0x08, f[13] = 0x06; /* ARP */
	assert_int_equal(decoder_decode(&d, 8, f, (uint32_t)n, &p),
			 DECODE_SKIP);
	assert_int_equal(decoder_decode(&d, 8, f, 10, &p), DECODE_SKIP);
	assert_int_equal(d.skipped, 2);
}

static void test_cooked_and_raw(void **state)
{
	struct decoder d;
	struct pkt p;
	uint8_t f[128] = { 0 };

	(void)state;
	assert_int_equal(decoder_init(&d, LT_LINUX_SLL), 0);
	f[14] = 0x08;
	ip4(f + 16, IPPROTO_UDP, 100, 1, 0);
	ports(f + 36, 5353, 53);
	assert_int_equal(decoder_decode(&d, 1, f, 64, &p), DECODE_PACKET);
	assert_v4_tuple(&p, IPPROTO_UDP, 5353, 53);

	memset(f, 0, sizeof(f));
	assert_int_equal(decoder_init(&d, LT_LINUX_SLL2), 0);
	f[0] = 0x08;
	ip4(f + 20, IPPROTO_UDP, 100, 1, 0);
	ports(f + 40, 5353, 53);
	assert_int_equal(decoder_decode(&d, 1, f, 68, &p), DECODE_PACKET);
	assert_v4_tuple(&p, IPPROTO_UDP, 5353, 53);

	assert_int_equal(decoder_init(&d, LT_RAW), 0);
	assert_int_equal(decoder_decode(&d, 1, f + 20, 48, &p), DECODE_PACKET);
	assert_v4_tuple(&p, IPPROTO_UDP, 5353, 53);

	assert_int_equal(decoder_init(&d, 105), -EPROTONOSUPPORT); /* 802.11 */
}

static void test_ipv6_extension_headers(void **state)
{
	struct decoder d;
	struct pkt p;
	uint8_t f[128] = { 0 }, *ip = f;

	(void)state;
	assert_int_equal(decoder_init(&d, LT_IPV6), 0);
	ip[0] = 0x60;
	ip[5] = 60; /* payload length */
	ip[6] = 0; /* hop-by-hop */
	inet_pton(AF_INET6, "fd00::2", ip + 8);
	inet_pton(AF_INET6, "2001:db8::7", ip + 24);
	ip[40] = 60; /* then destination options */
	ip[41] = 0; /* 8 bytes */
	ip[48] = IPPROTO_TCP;
	ip[49] = 1; /* 16 bytes */
	ports(ip + 64, 40001, 80);
	assert_int_equal(decoder_decode(&d, 1, f, 84, &p), DECODE_PACKET);
	assert_int_equal(p.key.family, AF_INET6);
	assert_int_equal(p.key.proto, IPPROTO_TCP);
	assert_int_equal(p.key.sport, 40001);
	assert_int_equal(p.key.dport, 80);
	assert_int_equal(p.len, 100);
}

/* Fragments count once, as the reassembled datagram, in any order. */
static void test_fragments(void **state)
{
	struct decoder d;
	struct pkt p;
	uint8_t a[64], b[64], c[64];

	(void)state;
	assert_int_equal(decoder_init(&d, LT_RAW), 0);
	ip4(a, IPPROTO_UDP, 20 + 1480, 77, 0x2000);
	ports(a + 20, 6000, 7000);
	ip4(b, IPPROTO_UDP, 20 + 1480, 77, 0x2000 | 185);
	ip4(c, IPPROTO_UDP, 20 + 40, 77, 370);

	assert_int_equal(decoder_decode(&d, 1, c, 40, &p), DECODE_HELD);
	assert_int_equal(decoder_decode(&d, 2, a, 48, &p), DECODE_HELD);
	assert_int_equal(decoder_decode(&d, 3, b, 40, &p), DECODE_PACKET);
	assert_v4_tuple(&p, IPPROTO_UDP, 6000, 7000);
	assert_int_equal(p.len, 20 + 1480 + 1480 + 40);
	assert_int_equal(p.ts_us, 3); /* when it is whole, as conntrack sees it
				       */
	assert_int_equal(d.reassembled, 1);

	/* a datagram that never completes is dropped after ipfrag_time */
	assert_int_equal(decoder_decode(&d, 10, a, 48, &p), DECODE_HELD);
	assert_int_equal(decoder_decode(&d, 10 + FRAG_TIMEOUT_US + 1, c, 40,
					&p),
			 DECODE_HELD);
	assert_int_equal(d.frag_dropped, 1);
}

/* An ICMP error is about the connection of the datagram it quotes. */
static void test_icmp(void **state)
{
	struct decoder d;
	struct pkt p;
	uint8_t f[128] = { 0 }, *q;

	(void)state;
	assert_int_equal(decoder_init(&d, LT_RAW), 0);
	ip4(f, IPPROTO_ICMP, 84, 1, 0);
	f[20] = 8; /* echo request, identifier 0x1234 */
	f[24] = 0x12, f[25] = 0x34;
	assert_int_equal(decoder_decode(&d, 1, f, 28, &p), DECODE_PACKET);
	assert_int_equal(p.key.sport, 0x1234);
	assert_int_equal(p.key.dport, 0x1234);
	assert_false(p.related);

	memset(f + 20, 0, 60);
	f[20] = 3; /* port unreachable, quoting a UDP datagram */
	q = f + 28;
	ip4(q, IPPROTO_UDP, 28, 9, 0);
	ports(q + 20, 5000, 53);
	assert_int_equal(decoder_decode(&d, 1, f, 56, &p), DECODE_PACKET);
	assert_true(p.related);
	assert_v4_tuple(&p, IPPROTO_UDP, 5000, 53);
}

/* An IPv6 header for ICMPv6 of type @type, @paylen bytes after it. */
static size_t icmp6(uint8_t *b, uint8_t type, uint16_t paylen)
{
	memset(b, 0, 48);
	b[0] = 0x60;
	b[4] = (uint8_t)(paylen >> 8);
	b[5] = (uint8_t)paylen;
	b[6] = IPPROTO_ICMPV6;
	inet_pton(AF_INET6, "fd00::2", b + 8);
	inet_pton(AF_INET6, "2001:db8::7", b + 24);
	b[40] = type;
	return 48;
}

/*
 * ICMPv6 as conntrack has it: an echo request may start a connection,
 * its reply and neighbour discovery or MLD may not; an error is about
 * the datagram it quotes.
 */
static void test_icmpv6(void **state)
{
	static const uint8_t untracked[] = { 129, 130, 133, 134, 135, 136, 143 };
	struct decoder d;
	struct pkt p;
	uint8_t f[128] = { 0 };

	(void)state;
	assert_int_equal(decoder_init(&d, LT_IPV6), 0);
	icmp6(f, 128, 8);
	f[44] = 0x12, f[45] = 0x34; /* identifier */
	assert_int_equal(decoder_decode(&d, 1, f, 48, &p), DECODE_PACKET);
	assert_int_equal(p.key.proto, IPPROTO_ICMPV6);
	assert_int_equal(p.key.sport, 0x1234);
	assert_false(p.no_new);
	assert_false(p.related);
	for (size_t i = 0; i < sizeof(untracked); i++) {
		icmp6(f, untracked[i], 8);
		assert_int_equal(decoder_decode(&d, 1, f, 48, &p),
				 DECODE_PACKET);
		assert_true(p.no_new);
	}
	/* too short to tell: nothing conntrack would start from */
	icmp6(f, 128, 0);
	assert_int_equal(decoder_decode(&d, 1, f, 40, &p), DECODE_PACKET);
	assert_true(p.no_new);

	/* port unreachable, quoting a UDP datagram of the connection */
	icmp6(f, 1, 8 + 48);
	memcpy(f + 48, f, 40); /* the quoted header: fd00::2 -> 2001:db8::7 */
	f[48 + 6] = IPPROTO_UDP;
	f[48 + 5] = 8;
	ports(f + 88, 5000, 53);
	assert_int_equal(decoder_decode(&d, 1, f, 96, &p), DECODE_PACKET);
	assert_true(p.related);
	assert_false(p.no_new);
	assert_int_equal(p.key.proto, IPPROTO_UDP);
	assert_int_equal(p.key.sport, 5000);
	assert_int_equal(p.key.dport, 53);

	/* IPv4's ICMP is as it was: anything may start a connection */
	assert_int_equal(decoder_init(&d, LT_RAW), 0);
	ip4(f, IPPROTO_ICMP, 28, 1, 0);
	memset(f + 20, 0, 8);
	f[20] = 9; /* router advertisement */
	assert_int_equal(decoder_decode(&d, 1, f, 28, &p), DECODE_PACKET);
	assert_false(p.no_new);
}

/* IPv6: options after the fragment header; a fragment seen twice. */
static void test_ipv6_fragments(void **state)
{
	struct decoder d;
	struct pkt p;
	uint8_t a[128] = { 0 }, b[128] = { 0 };

	(void)state;
	assert_int_equal(decoder_init(&d, LT_IPV6), 0);
	for (int i = 0; i < 2; i++) {
		uint8_t *ip = i ? b : a;

		ip[0] = 0x60;
		ip[6] = 44; /* fragment header */
		inet_pton(AF_INET6, "fd00::2", ip + 8);
		inet_pton(AF_INET6, "2001:db8::7", ip + 24);
		ip[40] = 60; /* then destination options */
		ip[44] = 0, ip[45] = 0, ip[46] = 0, ip[47] = 9; /* id 9 */
	}
	/* first: 8 bytes of options, UDP header, data: 48 bytes after it */
	a[5] = 8 + 48;
	a[43] = 1; /* offset 0, more */
	a[48] = IPPROTO_UDP;
	ports(a + 56, 7777, 53);
	/* last: 100 bytes at offset 48, whose data starts like options */
	b[5] = 8 + 100;
	b[42] = 0, b[43] = 48; /* offset 48, last */
	b[48] = 0, b[49] = 255; /* would claim a 2 KB options header */

	assert_int_equal(decoder_decode(&d, 1, b, 48 + 100, &p), DECODE_HELD);
	assert_int_equal(decoder_decode(&d, 2, b, 48 + 100, &p), DECODE_HELD);
	assert_int_equal(decoder_decode(&d, 3, a, 48 + 48, &p), DECODE_PACKET);
	assert_int_equal(p.key.proto, IPPROTO_UDP);
	assert_int_equal(p.key.sport, 7777);
	/* 40 bytes of header, 48 + 100 of data: the fragment header goes */
	assert_int_equal(p.len, 40 + 148);
}

/* Captures of several interfaces step back in time: ours does not. */
static void test_time_never_goes_back(void **state)
{
	struct decoder d;
	struct pkt p;
	uint8_t f[64];

	(void)state;
	assert_int_equal(decoder_init(&d, LT_RAW), 0);
	ip4(f, IPPROTO_UDP, 28, 1, 0);
	ports(f + 20, 1, 2);
	assert_int_equal(decoder_decode(&d, 1000, f, 28, &p), DECODE_PACKET);
	assert_int_equal(decoder_decode(&d, 990, f, 28, &p), DECODE_PACKET);
	assert_int_equal(p.ts_us, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_vlan),
		cmocka_unit_test(test_cooked_and_raw),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_icmpv6),
		cmocka_unit_test(test_time_never_goes_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
