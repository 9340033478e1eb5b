# airseal: build, test, demo.
#
#   make deps     install missing Debian packages (apt-get, through sudo when not root)
#   make          build airseal-send and airseal-recv (hardened, optimised) into build/release
#   make demo     set up, build and run the main job on the sample evidence in tests/demo
#   make check    build everything with AddressSanitizer + UndefinedBehaviorSanitizer and run
#                 every test; the last line is "N passed, N failed"
#   make check-tsan   the threaded pipelines' tests under ThreadSanitizer (build/tsan)
#   make bench    measure airseal against the stock tools on the same data, and against the
#                 primitives' limit (BENCH_SIZES, BENCH_MEDIA, BENCH_REPEAT: tests/bench/README.md)
#   make bench-scale  pack and import 1, 4 and 16 GiB (BENCH_SCALE_GB) on disk: time per GiB, RSS
#   make fuzz     run every libFuzzer harness (FUZZ_SECONDS each)
#   make install  PREFIX=/usr/local DESTDIR=   |   make uninstall
#
# CI (.ci/run) runs `make deps` then `make check` on a clean clone with CI=true.

SHELL := /bin/bash
CC ?= cc
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
VERSION := 0.1.0

# pkg-config name -> Debian package, for the error that names what is missing.
PKG_libsodium := libsodium-dev
PKG_libarchive := libarchive-dev
PKG_nettle := nettle-dev
PKG_libqrencode := libqrencode-dev
PKG_libpng := libpng-dev
PKG_zbar := libzbar-dev
PKG_libisal := libisal-dev
PKG_cairo := libcairo2-dev
PKG_libjpeg := libjpeg-dev
PKG_zlib := zlib1g-dev
PKG_cmocka := libcmocka-dev
PKG_libcrypto := libssl-dev
PKG_libgfshare := libgfshare-dev
# libgfshare ships a pkg-config file (libgfshare.pc, Debian 12's libgfshare-dev 2.0.0).
LIB_PKGS := libsodium libarchive nettle libqrencode libpng zbar libisal cairo libjpeg libcrypto \
	libgfshare
TEST_PKGS := cmocka zlib

# Everything the build, the tests, the demo and the benchmarks use.
DEB_PACKAGES := build-essential pkg-config libsodium-dev libarchive-dev nettle-dev \
	libqrencode-dev libpng-dev libzbar-dev libisal-dev libcairo2-dev libjpeg-dev zlib1g-dev \
	libcmocka-dev libssl-dev libgfshare-dev age minisign zbar-tools qrencode imagemagick poppler-utils chromium \
	clang clang-format valgrind python3 util-linux tar groff man-db file xxd bsdextrautils time bc

BUILD ?= build/release
SANITIZE ?= 0

CSTD := -std=c11
WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wundef
ifeq ($(CI),true)
WERROR := -Werror
else
WERROR ?=
endif
CPPFLAGS_BASE := -D_GNU_SOURCE -DAS_VERSION='"$(VERSION)"' -I.
ifeq ($(SANITIZE),fuzz)
# libFuzzer (clang): everything instrumented for coverage; the harnesses link the fuzzer main.
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all
HARDEN := -fPIE
HARDEN_LD := -pie -fsanitize=address,undefined
CPPFLAGS_BASE += -DAS_TEST_HOOKS -DAS_FUZZING
WERROR := -Werror
else ifeq ($(SANITIZE),1)
# FORTIFY is left out here: it conflicts with the sanitizers' interceptors.
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
HARDEN := -fstack-protector-strong -fPIE
HARDEN_LD := -pie -fsanitize=address,undefined
CPPFLAGS_BASE += -DAS_TEST_HOOKS
WERROR := -Werror
else ifeq ($(SANITIZE),thread)
# ThreadSanitizer (make check-tsan): the pipelines' threads. It cannot be combined with ASan.
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
HARDEN := -fPIE
HARDEN_LD := -pie -fsanitize=thread
CPPFLAGS_BASE += -DAS_TEST_HOOKS
WERROR := -Werror
else
OPT := -O2 -g
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE \
	-fcf-protection
HARDEN_LD := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(LIB_PKGS))
PKG_LIBS = $(shell pkg-config --libs $(LIB_PKGS)) -lm
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS))
TEST_LIBS = $(shell pkg-config --libs $(TEST_PKGS))

CFLAGS_ALL = $(CSTD) $(WARN) $(WERROR) $(OPT) $(HARDEN) -pthread $(CPPFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(HARDEN_LD) -pthread $(LDFLAGS)

# The library is every folder of common/ but ui/: core, crypto, bundle, transport, station,
# image and any layer added later. common/ui/ (terminals, prompts, JSON, the shared verb
# `fingerprint`) is the front ends' own archive above it; tests/static/layers.sh keeps the
# include arrows pointing down.
LIB_SRC := $(sort $(filter-out common/ui/%,$(wildcard common/*/*.c)))
UI_SRC := $(sort $(wildcard common/ui/*.c))
SEND_SRC := $(sort $(wildcard sender/*.c))
RECV_SRC := $(sort $(wildcard receiver/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
BENCH_TOOL_SRC := $(sort $(wildcard tests/bench/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB := $(BUILD)/libairseal.a
UI_LIB := $(BUILD)/libairseal-ui.a
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UI_OBJ := $(UI_SRC:%.c=$(BUILD)/obj/%.o)
SEND_OBJ := $(SEND_SRC:%.c=$(BUILD)/obj/%.o)
RECV_OBJ := $(RECV_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_TOOL_BIN := $(BENCH_TOOL_SRC:tests/bench/%.c=$(BUILD)/tools/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)
FUZZER_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzzers/%)
PROGRAMS := $(BUILD)/airseal-send $(BUILD)/airseal-recv

.PHONY: all deps check check-slow demo bench fuzz fuzz-smoke install uninstall clean test-binaries fuzz-binaries \
	check-valgrind check-tsan format pkgcheck bench-tools bench-scale
.DEFAULT_GOAL := all

all: $(PROGRAMS)

# Fails early, naming the Debian package to install, when a library is missing.
$(BUILD)/.pkgcheck:
	@command -v pkg-config >/dev/null || { echo "error: pkg-config is missing: run 'make deps' (Debian package pkg-config)" >&2; exit 1; }
	@for p in $(LIB_PKGS) $(if $(filter 1,$(NEED_TEST_PKGS)),$(TEST_PKGS)); do \
	  pkg-config --exists $$p || { \
	    case $$p in \
	      libsodium) d=$(PKG_libsodium);; libarchive) d=$(PKG_libarchive);; nettle) d=$(PKG_nettle);; \
	      libqrencode) d=$(PKG_libqrencode);; libpng) d=$(PKG_libpng);; zbar) d=$(PKG_zbar);; \
	      libisal) d=$(PKG_libisal);; cairo) d=$(PKG_cairo);; libjpeg) d=$(PKG_libjpeg);; \
	      zlib) d=$(PKG_zlib);; cmocka) d=$(PKG_cmocka);; libcrypto) d=$(PKG_libcrypto);; \
	      libgfshare) d=$(PKG_libgfshare);; *) d=$$p;; esac; \
	    echo "error: library '$$p' not found by pkg-config: run 'make deps' (Debian package $$d)" >&2; exit 1; }; \
	done
	@pkg-config --atleast-version=1.0.18 libsodium || { echo "error: libsodium >= 1.0.18 required" >&2; exit 1; }
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: %.c | $(BUILD)/.pkgcheck
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(UI_LIB): $(UI_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

# Each program links the front-end archive, then the library: the linker takes from each only
# the objects whose symbols are still wanted, so a program carries its own side's code only
# as far as the library's files are split by side.
$(BUILD)/airseal-send: $(SEND_OBJ) $(UI_LIB) $(LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $(SEND_OBJ) $(UI_LIB) $(LIB) $(PKG_LIBS)

$(BUILD)/airseal-recv: $(RECV_OBJ) $(UI_LIB) $(LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $(RECV_OBJ) $(UI_LIB) $(LIB) $(PKG_LIBS)

# A unit test or tool links the front-end archive only when its source includes a
# common/ui/ header: the library's tests stay independent of the front end.
UI_USERS := $(shell grep -l '"common/ui/' $(UNIT_SRC) $(TOOL_SRC) /dev/null)
ui_lib_for = $(if $(filter $(1),$(UI_USERS)),$(UI_LIB))

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $$(call ui_lib_for,tests/unit/$$*.c) $(LIB) | $(BUILD)/.pkgcheck
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -MMD -MP -o $@ $< $(call ui_lib_for,$<) $(LIB) $(PKG_LIBS) $(TEST_LIBS) $(LDFLAGS_ALL)

$(BUILD)/tools/%: tests/tools/%.c $$(call ui_lib_for,tests/tools/$$*.c) $(LIB) | $(BUILD)/.pkgcheck
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -MMD -MP -o $@ $< $(call ui_lib_for,$<) $(LIB) $(PKG_LIBS) $(TEST_LIBS) -lutil $(LDFLAGS_ALL)

# The benchmark's own tools (primlimit), beside the test tools.
$(BUILD)/tools/%: tests/bench/%.c $(LIB) | $(BUILD)/.pkgcheck
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

# A harness with the replay driver (make check), or with libFuzzer's main (make fuzz).
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(LIB) | $(BUILD)/.pkgcheck
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -o $@ $< tests/fuzz/replay.c $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

$(BUILD)/fuzzers/%: tests/fuzz/%.c $(LIB) | $(BUILD)/.pkgcheck
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -MMD -MP -o $@ $< $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

# The bench tools are built (not run) by the sanitizer build too, so make check keeps them
# compiling clean.
test-binaries: $(PROGRAMS) $(UNIT_BIN) $(TOOL_BIN) $(BENCH_TOOL_BIN) $(REPLAY_BIN)
bench-tools: $(TOOL_BIN) $(BENCH_TOOL_BIN)
fuzz-binaries: $(FUZZER_BIN)

-include $(LIB_OBJ:.o=.d) $(UI_OBJ:.o=.d) $(SEND_OBJ:.o=.d) $(RECV_OBJ:.o=.d) $(UNIT_BIN:=.d) $(TOOL_BIN:=.d) \
	$(BENCH_TOOL_BIN:=.d) \
	$(REPLAY_BIN:=.d) $(FUZZER_BIN:=.d)

# ---------------------------------------------------------------- set-up

deps:
	@SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	missing=; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing:$$missing"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing || exit 1; \
	fi; \
	v=$$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1); \
	if [ -n "$$v" ] && ! dpkg-query -W -f='$${Status}' libclang-rt-$$v-dev 2>/dev/null | grep -q 'install ok installed'; then \
	  echo "make deps: installing libclang-rt-$$v-dev (libFuzzer runtime)"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libclang-rt-$$v-dev || exit 1; \
	fi; \
	echo "make deps: all packages present"
	@SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	if ! command -v node > /dev/null || ! command -v npm > /dev/null; then \
	  echo "make deps: installing nodejs npm (typage interop test)"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm || exit 1; \
	fi; \
	if [ ! -f tests/interop/node_modules/age-encryption/package.json ] || \
	   [ tests/interop/package-lock.json -nt tests/interop/node_modules/.package-lock.json ]; then \
	  echo "make deps: npm ci in tests/interop (typage, pinned by package-lock.json)"; \
	  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	fi

# ---------------------------------------------------------------- tests

CHECK_BUILD := build/check

check: deps
	@$(MAKE) --no-print-directory BUILD=$(CHECK_BUILD) SANITIZE=1 NEED_TEST_PKGS=1 test-binaries
	@bash tests/run.sh $(CHECK_BUILD)

# make check-tsan: the tests that drive the threaded pipelines (core/pipe, the parity encoder,
# seal and unseal, pack and import end to end, their faults and refusals), built with
# ThreadSanitizer in its own folder; any race or lock-order report fails its test.
TSAN_BUILD := build/tsan
TSAN_TESTS := test_pipe test_erasure test_bundle bundle_roundtrip bundle_damage golden faults \
	pack_refusals
check-tsan: deps
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) SANITIZE=thread NEED_TEST_PKGS=1 test-binaries
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
		TESTS="$(TSAN_TESTS)" bash tests/run.sh $(TSAN_BUILD)

check-valgrind: deps
	@$(MAKE) --no-print-directory BUILD=build/valgrind SANITIZE=0 NEED_TEST_PKGS=1 OPT='-O1 -g' CFLAGS=-DAS_TEST_HOOKS test-binaries
	@AIRSEAL_VALGRIND=1 bash tests/run.sh build/valgrind

# make check-slow: the 1,000,000 accumulated ML-KEM-768 tests of C2SP CCTV (tests/vectors/mlkem/
# README.md), final FIPS 203 then the draft key generation: about 35 minutes each on a loaded
# 2-core machine and 1.1 GiB of memory, so not part of make check (which runs 10,000 of each).
MLKEM_1M_FINAL := 3b108396a277f2952ff3243a985c9709bcb95788c39b7b36a2c4e19d1a41e51e
MLKEM_1M_DRAFT := 70090cc5842aad0ec43d5042c783fae9bc320c047b5dafcb6e134821db02384d
check-slow: deps
	@$(MAKE) --no-print-directory BUILD=build/slow SANITIZE=0 NEED_TEST_PKGS=1 CFLAGS=-DAS_TEST_HOOKS build/slow/tests/test_mlkem
	@echo "ML-KEM-768, 1,000,000 accumulated tests, final FIPS 203 (expect $(MLKEM_1M_FINAL))"
	@AIRSEAL_VECTORS=$(CURDIR)/tests/vectors build/slow/tests/test_mlkem --accumulated 1000000 $(MLKEM_1M_FINAL)
	@echo "ML-KEM-768, 1,000,000 accumulated tests, draft key generation (expect $(MLKEM_1M_DRAFT))"
	@AIRSEAL_VECTORS=$(CURDIR)/tests/vectors build/slow/tests/test_mlkem --accumulated 1000000 $(MLKEM_1M_DRAFT) draft
	@echo "check-slow: both 1,000,000-test hashes match"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# ---------------------------------------------------------------- demo, bench, fuzz

demo: deps
	@$(MAKE) --no-print-directory all
	@bash tests/demo/run-demo.sh $(BUILD)

# The release build and the test tools only: the unit tests need AS_TEST_HOOKS (test_mlkem's
# draft key generation), which a release build leaves out.
bench: deps
	@$(MAKE) --no-print-directory all NEED_TEST_PKGS=1 bench-tools
	@bash tests/bench/run-bench.sh $(BUILD)

bench-scale: deps
	@$(MAKE) --no-print-directory all NEED_TEST_PKGS=1 bench-tools
	@bash tests/bench/run-scale.sh $(BUILD)

# make fuzz: each harness for FUZZ_SECONDS (or FUZZ_RUNS executions), from its seed corpus.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 0
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang SANITIZE=fuzz fuzz-binaries
	@bash tests/fuzz/run-fuzz.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_RUNS)

fuzz-smoke: deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang SANITIZE=fuzz fuzz-binaries
	@bash tests/fuzz/run-fuzz.sh build/fuzz 30 0

# ---------------------------------------------------------------- install

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/airseal-send $(BUILD)/airseal-recv $(DESTDIR)$(BINDIR)/
	install -m 0644 docs/man/airseal-send.1 docs/man/airseal-recv.1 $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/airseal-send $(DESTDIR)$(BINDIR)/airseal-recv
	rm -f $(DESTDIR)$(MANDIR)/man1/airseal-send.1 $(DESTDIR)$(MANDIR)/man1/airseal-recv.1

clean:
	rm -rf build
