// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capture decoder on arbitrary bytes: as one frame of every link type
 * it reads (three times: a duplicate, then after the fragment timeout, so
 * that a fragment is held, seen twice and dropped), and as a whole capture
 * file read from memory by libpcap and replayed through the decoder into
 * the simulation, as flowpin sim does. What it decodes is a packet of one
 * family, with ports only where its protocol has them, and hashable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>

#include "core/config.h"
#include "fuzz/fuzz.h"
#include "sim/decoder.h"
#include "sim/sim.h"
#include "sim/trace.h"

static const int linktypes[] = {
	LT_ETHERNET, LT_RAW,  LT_RAW_101,    LT_LINUX_SLL,
	LT_IPV4,     LT_IPV6, LT_LINUX_SLL2,
};

static const char conf_text[] =
	"[global]\nlan = lan0\nbuckets = 16\n"
	"[link wan1]\ninterface = wan1\ngateway = 10.1.0.1\n"
	"[link wan2]\ninterface = wan2\nprefix6 = fd00::/8\n";

static struct config cfg;
static struct decoder *dec; /* 1024 fragments' room: not on the stack */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (config_parse_string(&cfg, "fuzz.conf", conf_text,
				CONFIG_DIAG_FILE(stderr)))
		abort();
	dec = malloc(sizeof(*dec));
	if (!dec)
		abort();
	/* the link types the decoder reads, and no other */
	for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (decoder_init(dec, linktypes[i]) ||
		    !strcmp(decoder_linktype_name(linktypes[i]), "unknown"))
			abort();
	if (decoder_init(dec, 0) != -EPROTONOSUPPORT)
		abort();
	return 0;
}

static void check_packet(const struct pkt *p, uint64_t ts_us)
{
	FUZZ_CHECK(p->key.family == AF_INET || p->key.family == AF_INET6,
		   "family %d", p->key.family);
	FUZZ_CHECK(p->ts_us >= ts_us, "time %llu before %llu",
		   (unsigned long long)p->ts_us, (unsigned long long)ts_us);
	if (p->key.family == AF_INET)
		for (int i = 4; i < 16; i++)
			FUZZ_CHECK(!p->key.src[i] && !p->key.dst[i],
				   "IPv4 address of 16 bytes");
	if (!p->related)
		FUZZ_CHECK(flowhash_proto_has_ports(p->key.proto) ||
				   p->key.proto == IPPROTO_ICMP ||
				   p->key.proto == IPPROTO_ICMPV6 ||
				   (!p->key.sport && !p->key.dport),
			   "ports for protocol %u", p->key.proto);
	(void)flowhash(&p->key, HASH_L4, DEFAULT_SEED);
}

static void check_counts(const struct decoder *d, uint64_t calls,
			 uint64_t packets)
{
	FUZZ_CHECK(d->skipped + d->fragments + packets >= calls &&
			   d->reassembled <= d->fragments,
		   "%llu calls: %llu skipped, %llu fragments, %llu packets",
		   (unsigned long long)calls, (unsigned long long)d->skipped,
		   (unsigned long long)d->fragments,
		   (unsigned long long)packets);
}

/* The input as one frame of each link type. */
static void frames(const uint8_t *data, size_t size)
{
	/* a copy of exactly the frame's length: ASan sees a read past it */
	uint8_t *frame = malloc(size ? size : 1);
	static const uint64_t when[] = { 1000000, 1000001,
					 1000002 + FRAG_TIMEOUT_US };

	FUZZ_CHECK(frame, "out of memory");
	memcpy(frame, data, size);
	for (size_t l = 0; l < sizeof(linktypes) / sizeof(linktypes[0]); l++) {
		uint64_t packets = 0;

		FUZZ_CHECK(decoder_init(dec, linktypes[l]) == 0, "init");
		for (size_t t = 0; t < sizeof(when) / sizeof(when[0]); t++) {
			struct pkt p;
			enum decode_result r =
				decoder_decode(dec, when[t], frame,
					       (uint32_t)size, &p);

			FUZZ_CHECK(r == DECODE_PACKET || r == DECODE_HELD ||
					   r == DECODE_SKIP,
				   "result %d", r);
			if (r == DECODE_PACKET) {
				check_packet(&p, when[t]);
				packets++;
			}
		}
		check_counts(dec, 3, packets);
	}
	free(frame);
}

/* The input as a capture file, replayed as flowpin sim replays one. */
static void capture(const uint8_t *data, size_t size)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	FILE *f = size ? fmemopen((void *)data, size, "rb") : NULL;
	pcap_t *pc;
	struct sim s;
	uint64_t n = 0;
	int r;

	if (!f)
		return;
	pc = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!pc) {
		fclose(f);
		return;
	}
	if (decoder_init(dec, pcap_datalink(pc)) == 0) {
		FUZZ_CHECK(sim_init(&s, &cfg, NULL, 0) == 0, "sim_init");
		r = trace_replay(pc, dec, &s, &n);
		FUZZ_CHECK(r == -2 || r == -1, "trace_replay returned %d", r);
		FUZZ_CHECK(s.packets <= n &&
				   s.packets + dec->skipped + dec->fragments >=
					   n,
			   "%llu packets read, %llu replayed",
			   (unsigned long long)n,
			   (unsigned long long)s.packets);
		sim_free(&s);
	}
	pcap_close(pc); /* closes f */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	frames(data, size);
	capture(data, size);
	return 0;
}
