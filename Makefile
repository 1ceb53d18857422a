# mailshift — see README.md.  `make`, `make test`, `make demo`, `make install`.
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
CC       ?= cc
CFLAGS   ?= -O2 -g
PKG_CONFIG ?= pkg-config
VERSION  := 0.1.0

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wwrite-strings
ifneq ($(CI),)
WARN += -Werror
endif

PKGS := ncursesw libssh2 libmariadb libpq
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
LDAP_LIBS  := $(shell $(PKG_CONFIG) --libs ldap 2>/dev/null || echo -lldap -llber)

ALL_CFLAGS  = -std=c11 -pthread $(WARN) $(CFLAGS) -D_GNU_SOURCE -DMAILSHIFT_VERSION='"$(VERSION)"' \
              -I. $(PKG_CFLAGS) -MMD -MP
ALL_LDLIBS  = $(PKG_LIBS) $(LDAP_LIBS) $(LDLIBS) -pthread

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Everything but main.c goes into a static library the tests link against.
LIB_SRC := $(wildcard core/*.c backends/*.c steps/*.c app/*.c tui/*.c)
LIB_OBJ := $(LIB_SRC:%.c=build/%.o) build/gen/steps_sh.o
# The shell and awk the steps and the SSH transport run, embedded at build
# time (steps/sh.h, backends/sh.h).
SH_FRAGMENTS := $(wildcard steps/sh/*.sh steps/sh/*.awk steps/sh/*.pl backends/sh/*.sh)
SH_EMBED := $(filter-out steps/sh/embed.sh,$(SH_FRAGMENTS))
MAIN_OBJ := build/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)

all: mailshift

mailshift: $(MAIN_OBJ) build/libmailshift.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

build/libmailshift.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

build/gen/steps_sh.c: $(SH_EMBED) steps/sh/embed.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)bash steps/sh/embed.sh $(SH_EMBED) > $@.tmp && mv $@.tmp $@

build/gen/steps_sh.o: build/gen/steps_sh.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c build/libmailshift.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< build/libmailshift.a \
		$$($(PKG_CONFIG) --cflags --libs cmocka) $(ALL_LDLIBS)

build/tests/ssh_test: tests/ssh/ssh_test.c build/libmailshift.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< build/libmailshift.a \
		$$($(PKG_CONFIG) --cflags --libs cmocka) $(ALL_LDLIBS)

build/tests/probe_test: build/tests/%: tests/lab/%.c build/libmailshift.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< build/libmailshift.a $(ALL_LDLIBS)

build/bench/%: bench/%.c build/libmailshift.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< build/libmailshift.a $(ALL_LDLIBS)

# Fuzzing (tests/fuzz): the library built again with clang, libFuzzer's
# coverage and ASan/UBSan, one binary per parser of untrusted text.
# `make fuzz` runs each FUZZ_SECONDS (600); the test tier runs them briefly.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -std=c11 -pthread $(WARN) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -D_GNU_SOURCE \
                -DMAILSHIFT_VERSION='"$(VERSION)"' -I. $(PKG_CFLAGS) -MMD -MP
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ     := $(LIB_SRC:%.c=build/fuzz/%.o) build/fuzz/gen/steps_sh.o

build/fuzz/gen/steps_sh.o: build/gen/steps_sh.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libmailshift.a: $(FUZZ_OBJ)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libmailshift.a
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libmailshift.a $(ALL_LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

# Benchmarks: figures, not tests (see bench/run.sh).
bench: all build/bench/stream
	$(Q)bench/run.sh

unit: $(UNIT_BIN)
	$(Q)tests/unit/run.sh $(UNIT_BIN)

# Everything CI must prove: unit tests under valgrind, the CLI tests, the lab.
test: all $(UNIT_BIN) build/tests/ssh_test build/tests/probe_test $(FUZZ_BIN)
	$(Q)tests/run.sh

# Fast tier only (no root, no lab): unit + CLI.
check: all $(UNIT_BIN) build/tests/ssh_test
	$(Q)MAILSHIFT_NO_LAB=1 MAILSHIFT_NO_FUZZ=1 tests/run.sh

asan:
	$(MAKE) clean
	$(MAKE) CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BIN) build/tests/ssh_test
	MAILSHIFT_NO_VALGRIND=1 MAILSHIFT_NO_LAB=1 MAILSHIFT_NO_FUZZ=1 tests/run.sh

deps:
	bash .ci/deps

# Installs what is missing, builds, brings up the lab and runs mailshift on it.
demo:
	$(Q)bash .ci/deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)lab/demo

install: mailshift
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 mailshift $(DESTDIR)$(BINDIR)/mailshift
	install -m 0644 docs/mailshift.1 $(DESTDIR)$(MANDIR)/man1/mailshift.1

clean:
	rm -rf build mailshift

.PHONY: all unit test check asan deps demo install clean bench fuzz fuzz-build
-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:=.d)
