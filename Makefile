# flowpin: per-flow multi-uplink routing on the kernel's own dataplane.
#
#   make            build build/flowpin
#   make check      install missing Debian packages, run every test (root)
#   make demo       the seed's router in network namespaces, with flowpin (root)
#   make bench      flowpin against kernel multipath, resilient nexthop groups
#                   and the seed's recipe, then its own targets; rewrites
#                   docs/benchmarks.md (root, ~8 min; QUICK=1: ~1.7 min)
#   make format     clang-format the C sources

CC ?= gcc
PKG_CONFIG ?= pkg-config
PKGS := libnftables libmnl libnetfilter_conntrack libnfnetlink inih json-c libpcap

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN)
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

B := build
V ?= 0
QUICK ?= 0
ifeq ($(V),0)
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif
SRCS := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
HDRS := $(wildcard src/*.h)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)
BENCH_SRCS := $(wildcard bench/*.c)

OBJS := $(SRCS:src/%.c=$(B)/obj/%.o)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(B)/obj/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:src/%.c=$(B)/asan/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/asan/%)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(B)/tools/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(B)/bench/%)

.PHONY: all check deps unit systest test demo bench format clean install
.DELETE_ON_ERROR:

all: $(B)/flowpin $(B)/asan/flowpin $(TOOL_BINS) $(BENCH_BINS)

$(B)/obj/%.o: src/%.c $(HDRS) | $(B)/obj
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O2 $(PKG_CFLAGS) -c -o $@ $<

$(B)/flowpin: $(OBJS)
	$(call say,LD,$@)$(CC) -o $@ $^ $(PKG_LIBS)

$(B)/asan/obj/%.o: src/%.c $(HDRS) | $(B)/asan/obj
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) $(PKG_CFLAGS) -c -o $@ $<

$(B)/asan/flowpin: $(SAN_LIB_OBJS) $(B)/asan/obj/main.o
	$(call say,LD,$@)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

$(B)/asan/test_%: tests/unit/test_%.c $(SAN_LIB_OBJS) $(HDRS)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) -Isrc $(PKG_CFLAGS) \
		-o $@ $< $(SAN_LIB_OBJS) $(PKG_LIBS) -lcmocka

$(B)/tools/%: tests/tools/%.c $(LIB_OBJS) $(HDRS) | $(B)/tools
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O2 -Isrc $(PKG_CFLAGS) \
		-o $@ $< $(LIB_OBJS) $(PKG_LIBS)

$(B)/bench/%: bench/%.c $(LIB_OBJS) $(HDRS) | $(B)/bench
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O2 -Isrc $(PKG_CFLAGS) \
		-o $@ $< $(LIB_OBJS) $(PKG_LIBS)

$(B)/obj $(B)/asan/obj $(B)/tools $(B)/bench:
	mkdir -p $@

# The quick start's two commands install what they need first, then build.
deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory test

test: unit systest

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do \
		$$t >$(B)/unit.log 2>&1 || { cat $(B)/unit.log; exit 1; }; \
		echo "  PASS   $$t ($$(grep -o '[0-9]* test(s) run' $(B)/unit.log))"; \
	done

systest: all
	@tests/system/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@demo/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@QUICK=$(QUICK) bench/run.sh

format:
	clang-format -i $(SRCS) $(HDRS) $(UNIT_SRCS) $(TOOL_SRCS) $(BENCH_SRCS)

PREFIX ?= /usr/local
install: $(B)/flowpin
	install -D -m 0755 $(B)/flowpin $(DESTDIR)$(PREFIX)/sbin/flowpin
	install -D -m 0644 man/flowpin.8 $(DESTDIR)$(PREFIX)/share/man/man8/flowpin.8
	install -D -m 0644 man/flowpin.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/flowpin.conf.5

clean:
	rm -rf $(B)
