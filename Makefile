# flowpin: per-flow multi-uplink routing on the kernel's own dataplane.
#
#   make            build build/flowpin
#   make check      install missing Debian packages, run every test (root)
#   make demo       the seed's router in network namespaces, with flowpin (root)
#   make bench      flowpin against kernel multipath, resilient nexthop groups
#                   and the seed's recipe, then its own targets and changes
#                   under it; rewrites docs/benchmarks.md (root, ~9 min;
#                   QUICK=1: ~1.7 min)
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (60) in turn, new
#                   crashes into fuzz/crashes/TARGET/ (clang; make check runs
#                   every committed input once, with gcc)
#   make soak       DURATION (600) s of a flapping link under load, under
#                   ASan: fails on a leak or a broken healthy connection
#   make format     clang-format the C sources
#
# The layers (docs/ARCHITECTURE.md): src/core is built as a library of its
# own, compiled and linked without the kernel libraries; its unit tests link
# against it alone, so the linker proves the core is pure.

CC ?= gcc
PKG_CONFIG ?= pkg-config
# what the core may use: the configuration's line splitter
CORE_PKGS := inih
PKGS := libnftables libmnl libnetfilter_conntrack libnfnetlink inih json-c libpcap \
	libsystemd libmicrohttpd

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -Isrc \
	$(if $(VERSION),-DFLOWPIN_VERSION='"$(VERSION)"')
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

# Fuzz targets (fuzz/fuzz_NAME.c): each is a libFuzzer binary built by clang
# (make fuzz), and, linked with fuzz/driver.c by $(CC) under ASan and UBSan,
# a program that runs every file of fuzz/corpus/NAME and fuzz/crashes/NAME
# once (make unit). What each links beside the core:
FUZZ_TARGETS ?= config control tuple event decoder
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_OPTS ?= # more libFuzzer flags: -jobs=N, -fork=1 -ignore_crashes=1
FUZZ_SRCS_control := src/daemon/answer.c src/daemon/answer_policy.c \
	src/daemon/metrics.c
FUZZ_SRCS_event := $(SIM_SRCS)
FUZZ_SRCS_decoder := $(SIM_SRCS)
FUZZ_LIBS_control = $(shell $(PKG_CONFIG) --libs json-c)
FUZZ_LIBS_event := -lpcap
FUZZ_LIBS_decoder := -lpcap
FUZZ_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
FUZZ_CFLAGS = $(BASE_CFLAGS) -I. -O1 $(FUZZ_FLAGS) $(PKG_CFLAGS)
# clang warns where gcc does not (vsnprintf's format): no -Werror there
FUZZ_CLANG_CFLAGS = $(filter-out -Werror,$(FUZZ_CFLAGS)) -Wno-format-nonliteral
FUZZ_SRCS := $(wildcard fuzz/*.c)
FUZZ_RUNNERS := $(FUZZ_TARGETS:%=$(B)/asan/fuzz/fuzz_%)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)

.PHONY: all check deps unit systest test demo bench format clean install purity \
	fuzz fuzz-regress fuzz-merge soak
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

# Fuzz targets: the regression runners (gcc), the libFuzzer binaries
# (clang, every object of theirs instrumented for coverage).
$(B)/fuzz/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(FUZZ_CC) $(FUZZ_CLANG_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

define fuzz_target
$(B)/asan/fuzz/fuzz_$(1): fuzz/fuzz_$(1).c fuzz/driver.c fuzz/fuzz.h \
		$(call obj,$(B)/asan,$(FUZZ_SRCS_$(1))) $(SAN_CORE_LIB) $(HDRS)
	@mkdir -p $$(@D)
	$$(call say,CC,$$@)$(CC) $$(FUZZ_CFLAGS) -o $$@ fuzz/fuzz_$(1).c \
		fuzz/driver.c $(call obj,$(B)/asan,$(FUZZ_SRCS_$(1))) \
		$(SAN_CORE_LIB) $$(FUZZ_LIBS_$(1)) $$(CORE_LIBS)

$(B)/fuzz/fuzz_$(1): fuzz/fuzz_$(1).c fuzz/fuzz.h \
		$(call obj,$(B)/fuzz,$(FUZZ_SRCS_$(1)) $(CORE_SRCS)) $(HDRS)
	@mkdir -p $$(@D)
	$$(call say,CC,$$@)$(FUZZ_CC) $$(FUZZ_CLANG_CFLAGS) -fsanitize=fuzzer \
		-o $$@ fuzz/fuzz_$(1).c \
		$(call obj,$(B)/fuzz,$(FUZZ_SRCS_$(1)) $(CORE_SRCS)) \
		$$(FUZZ_LIBS_$(1)) $$(CORE_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

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

# Every committed fuzz input, and every crash found so far, once: a crash
# input that still crashes fails (fuzz/README.md).
define fuzz_regress
	@failed=; for t in $(FUZZ_TARGETS); do \
		dirs=$$(for d in fuzz/corpus/$$t fuzz/crashes/$$t; do \
			[ -d $$d ] && echo $$d; done); \
		[ -n "$$dirs" ] || { echo "fuzz/corpus/$$t: missing"; exit 1; }; \
		if $(B)/asan/fuzz/fuzz_$$t $$dirs >$(B)/fuzz.log 2>&1; then \
			echo "  PASS   $(B)/asan/fuzz/fuzz_$$t ($$(tail -n 1 $(B)/fuzz.log) of $$dirs)"; \
		else \
			awk '/^input: /{n=0} {l[n++]=$$0} END{for(i=0;i<n&&i<60;i++)print l[i]}' $(B)/fuzz.log; \
			echo "  FAIL   fuzz_$$t: $$(grep '^input: ' $(B)/fuzz.log | tail -n 1)"; \
			failed="$$failed $$t"; \
		fi; \
	done; [ -z "$$failed" ]
endef

unit: purity $(UNIT_BINS) $(FUZZ_RUNNERS)
	@for t in $(UNIT_BINS); do \
		$$t >$(B)/unit.log 2>&1 || { cat $(B)/unit.log; exit 1; }; \
		echo "  PASS   $$t ($$(grep -o '[0-9]* test(s) run' $(B)/unit.log))"; \
	done
	$(fuzz_regress)

fuzz-regress: $(FUZZ_RUNNERS)
	$(fuzz_regress)

# libFuzzer, FUZZ_SECONDS per target: new inputs go to $(B)/fuzz/work/NAME
# (fuzz-merge adds to the committed corpus those of them that reach a new
# edge), crashes, leaks and timeouts to fuzz/crashes/NAME/, where make check
# runs them from then on.
fuzz_need_clang = @command -v $(FUZZ_CC) >/dev/null || { \
	echo "make fuzz needs clang with libFuzzer: no $(FUZZ_CC) (apt-get install clang, or FUZZ_CC=...)"; \
	exit 1; }; \
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
	$(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null || { \
	echo "make fuzz needs clang with libFuzzer: $(FUZZ_CC) cannot link -fsanitize=fuzzer (Debian: libclang-rt-dev or clang's own package)"; \
	exit 1; }

fuzz:
	$(fuzz_need_clang)
	@$(MAKE) --no-print-directory -s $(FUZZ_BINS)
	@failed=; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(B)/fuzz/work/$$t fuzz/crashes/$$t; \
		echo "  FUZZ   $$t for $(FUZZ_SECONDS) s: $(B)/fuzz/$$t.log"; \
		$(B)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=fuzz/crashes/$$t/ $(FUZZ_OPTS) \
			$$([ -f fuzz/$$t.dict ] && echo -dict=fuzz/$$t.dict) \
			$(B)/fuzz/work/$$t fuzz/corpus/$$t >$(B)/fuzz/$$t.log 2>&1 || \
			{ failed="$$failed $$t"; grep -A30 'ERROR\|invariant' $(B)/fuzz/$$t.log | head -n 40; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|cov: ' \
			$(B)/fuzz/$$t.log | tail -n 3 | sed 's/^/         /'; \
	done; \
	rmdir fuzz/crashes/* 2>/dev/null; \
	[ -z "$$failed" ] || { echo "  FAIL   fuzz:$$failed: see fuzz/crashes/"; exit 1; }

fuzz-merge:
	$(fuzz_need_clang)
	@$(MAKE) --no-print-directory -s $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(B)/fuzz/work/$$t && \
		$(B)/fuzz/fuzz_$$t -merge=1 -use_counters=0 \
			-artifact_prefix=$(B)/fuzz/merge-$$t- fuzz/corpus/$$t \
			$(B)/fuzz/work/$$t >$(B)/fuzz/$$t.merge.log 2>&1 && \
		echo "  MERGE  fuzz/corpus/$$t: $$(ls fuzz/corpus/$$t | wc -l) inputs" || exit 1; \
	done

systest: all
	@tests/system/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@demo/demo.sh

# Not part of check: DURATION seconds (600) of a flapping link under load,
# the daemon under ASan; a leak, descriptor growth or a broken healthy
# connection fails it (tests/soak/soak.sh).
DURATION ?= 600
soak: deps
	@$(MAKE) --no-print-directory all
	@FLOWPIN=$(B)/asan/flowpin TRAFFIC=$(B)/tools/fp-traffic \
		tests/soak/soak.sh $(DURATION)

bench: deps
	@$(MAKE) --no-print-directory all
	@QUICK=$(QUICK) bench/run.sh

format:
	clang-format -i $(SRCS) $(HDRS) $(UNIT_SRCS) $(TOOL_SRCS) $(BENCH_SRCS) \
		$(FUZZ_SRCS) fuzz/fuzz.h

# The unit goes where Debian's systemd and debhelper put units
# (pkg-config --variable=systemdsystemunitdir systemd: /lib/systemd/system,
# the same directory as /usr/lib/systemd/system on a merged /usr), whatever
# PREFIX is: systemd reads it on every distribution, and the package's
# dh_installsystemd finds the unit there to enable it. Its ExecStart= names
# $(PREFIX)/sbin/flowpin.
PREFIX ?= /usr/local
SYSTEMDUNITDIR ?= /lib/systemd/system
install: $(B)/flowpin
	install -D -m 0755 $(B)/flowpin $(DESTDIR)$(PREFIX)/sbin/flowpin
	install -D -m 0644 man/flowpin.8 $(DESTDIR)$(PREFIX)/share/man/man8/flowpin.8
	install -D -m 0644 man/flowpin.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/flowpin.conf.5
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|^ExecStart=/usr/sbin/flowpin |ExecStart=$(PREFIX)/sbin/flowpin |' \
		systemd/flowpin.service >$(DESTDIR)$(SYSTEMDUNITDIR)/flowpin.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/flowpin.service

# The Debian package, debian/: dpkg-buildpackage writes
# flowpin_$(VERSION)_ARCH.deb into the directory above this tree (its
# Build-Depends: make deps). The version is debian/changelog's first line,
# the only place it is written.
.PHONY: deb
deb:
	dpkg-buildpackage -b -us -uc
	@echo "  DEB    ../flowpin_$(VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).deb"

clean:
	rm -rf $(B)
