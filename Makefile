# flowpin: per-flow multi-uplink routing on the kernel's own dataplane.
#
#   make            build build/flowpin
#   make check      install missing Debian packages, run every test (root)
#   make demo       the seed's router in network namespaces, with flowpin (root)
#   make bench      flowpin against kernel multipath, resilient nexthop groups
#                   and the seed's recipe, then its own targets and changes
#                   under it; rewrites docs/benchmarks.md (root, ~9 min;
#                   QUICK=1: ~1.7 min)
#   make format     clang-format the C sources
#
# The layers (docs/ARCHITECTURE.md): src/core is built as a library of its
# own, compiled and linked without the kernel libraries; its unit tests link
# against it alone, so the linker proves the core is pure.

CC ?= gcc
PKG_CONFIG ?= pkg-config
# what the core may use: the configuration's line splitter
CORE_PKGS := inih
PKGS := libnftables libmnl libnetfilter_conntrack libnfnetlink inih json-c libpcap

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -Isrc
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
CORE_LIBS = $(shell $(PKG_CONFIG) --libs $(CORE_PKGS)) -lm
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

B := build
V ?= 0
QUICK ?= 0
ifeq ($(V),0)
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

CORE_SRCS := $(wildcard src/core/*.c)
REST_SRCS := $(wildcard src/lib/*.c src/kernel/*.c src/daemon/*.c src/sim/*.c src/cli/*.c)
SIM_SRCS := $(wildcard src/sim/*.c)
MAIN_SRC := src/cli/main.c
SRCS := $(CORE_SRCS) $(REST_SRCS)
HDRS := $(wildcard src/*/*.h tests/unit/*/*.h bench/*.h)
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)
BENCH_SRCS := $(wildcard bench/*.c)

obj = $(patsubst src/%.c,$(1)/obj/%.o,$(2))
CORE_OBJS := $(call obj,$(B),$(CORE_SRCS))
REST_OBJS := $(call obj,$(B),$(filter-out $(MAIN_SRC),$(REST_SRCS)))
SAN_CORE_OBJS := $(call obj,$(B)/asan,$(CORE_SRCS))
SAN_REST_OBJS := $(call obj,$(B)/asan,$(filter-out $(MAIN_SRC),$(REST_SRCS)))
SAN_SIM_OBJS := $(call obj,$(B)/asan,$(SIM_SRCS))
CORE_LIB := $(B)/libflowpin-core.a
SAN_CORE_LIB := $(B)/asan/libflowpin-core.a

UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/asan/unit/%,$(UNIT_SRCS))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(B)/tools/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(B)/bench/%)

.PHONY: all check deps unit systest test demo bench format clean install purity
.DELETE_ON_ERROR:

all: $(B)/flowpin $(B)/asan/flowpin $(TOOL_BINS) $(BENCH_BINS)

# The core: no kernel library headers on its command line.
$(B)/obj/core/%.o: src/core/%.c $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O2 -c -o $@ $<

$(B)/asan/obj/core/%.o: src/core/%.c $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) -c -o $@ $<

$(B)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O2 $(PKG_CFLAGS) -c -o $@ $<

$(B)/asan/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) $(PKG_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJS)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(SAN_CORE_LIB): $(SAN_CORE_OBJS)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(B)/flowpin: $(call obj,$(B),$(MAIN_SRC)) $(REST_OBJS) $(CORE_LIB)
	$(call say,LD,$@)$(CC) -o $@ $^ $(PKG_LIBS)

$(B)/asan/flowpin: $(call obj,$(B)/asan,$(MAIN_SRC)) $(SAN_REST_OBJS) $(SAN_CORE_LIB)
	$(call say,LD,$@)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

# Unit tests, by layer: the core's link against the core library alone.
$(B)/asan/unit/core/%: tests/unit/core/%.c $(SAN_CORE_LIB) $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) -o $@ $< \
		$(SAN_CORE_LIB) $(CORE_LIBS) -lcmocka

$(B)/asan/unit/sim/%: tests/unit/sim/%.c $(SAN_SIM_OBJS) $(SAN_CORE_LIB) $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) -o $@ $< \
		$(SAN_SIM_OBJS) $(SAN_CORE_LIB) $(CORE_LIBS) -lpcap -lcmocka

$(B)/asan/unit/kernel/%: tests/unit/kernel/%.c $(SAN_REST_OBJS) $(SAN_CORE_LIB) $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) $(PKG_CFLAGS) -o $@ $< \
		$(SAN_REST_OBJS) $(SAN_CORE_LIB) $(PKG_LIBS) -lcmocka

$(B)/asan/unit/daemon/%: tests/unit/daemon/%.c $(SAN_REST_OBJS) $(SAN_CORE_LIB) $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O1 $(SAN) $(PKG_CFLAGS) -o $@ $< \
		$(SAN_REST_OBJS) $(SAN_CORE_LIB) $(PKG_LIBS) -lcmocka

$(B)/tools/%: tests/tools/%.c $(REST_OBJS) $(CORE_LIB) $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O2 $(PKG_CFLAGS) \
		-o $@ $< $(REST_OBJS) $(CORE_LIB) $(PKG_LIBS)

$(B)/bench/%: bench/%.c $(REST_OBJS) $(CORE_LIB) $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) -O2 $(PKG_CFLAGS) \
		-o $@ $< $(REST_OBJS) $(CORE_LIB) $(PKG_LIBS)

# The quick start's two commands install what they need first, then build.
deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory test

test: unit systest

# No core file names a header of another layer (the linker checks the
# rest: the core's tests link without the kernel libraries).
purity:
	@bad=$$(grep -lE '#include *"(kernel|daemon|cli|sim)/|#include *<(libmnl|nftables|libnetfilter_conntrack|libnfnetlink|json-c|pcap|sys/epoll|sys/socket)' \
		src/core/*.[ch]); \
	if [ -n "$$bad" ]; then echo "src/core reaches out of the core: $$bad"; exit 1; fi; \
	echo "  PASS   src/core includes only the core and lib"

unit: purity $(UNIT_BINS)
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
