# qscanq: see README. Every path and id comes from the conf-* files (line 1);
# each CONF_* below may be overridden on the command line, e.g. the tests
# build with CONF_HOME pointing into a temporary root.

BUILD ?= build

conf = $(shell head -n 1 conf-$(1))
CONF_CC          ?= $(call conf,cc)
CONF_LD          ?= $(call conf,ld)
CONF_HOME        ?= $(call conf,home)
CONF_QMAIL       ?= $(call conf,qmail)
CONF_SCANDIR     ?= $(call conf,scandir)
CONF_SCANCMD     ?= $(call conf,scancmd)
CONF_USERS       ?= $(call conf,users)
CONF_TRUSTED     ?= $(call conf,trusted)
CONF_AGEOUT      ?= $(call conf,ageout)
CONF_SCANTIMEOUT ?= $(call conf,scantimeout)
CONF_QMAILDKIM   ?= $(call conf,qmaildkim)
CONF_QUARANTINE  ?= $(call conf,quarantine)

ifeq ($(origin CC),default)
CC := $(firstword $(CONF_CC))
endif
CFLAGS ?= $(wordlist 2,99,$(CONF_CC))
WARN := -Wall -Wextra
LDSTATIC ?= $(wordlist 2,99,$(CONF_LD))
# Every dynamically linked program: position independent, with the GOT
# read-only after start-up (conf-ld gives the static ones the same).
LDDYN ?= -pie -Wl,-z,relro,-z,now
CPPFLAGS += -D_GNU_SOURCE -Isrc/include -I$(BUILD)
SKARNET := -lskarnet
CLAMAV := -lclamav

# Programs that must start under softlimit -m 2000000: static by default.
STATIC_PROGS := qscanq qscanq-stdin cleanq run-cleanq qscanq-clamd qscanq-attach qscanq-quarantine
# In-process libclamav scanners: dynamic (Debian ships no libclamav.a).
CLAM_PROGS := qscanq-clamav qscanq-attach-archives
PROGS := $(STATIC_PROGS) $(CLAM_PROGS)
TEST_HELPERS := qq-record qq-caller qq-unit qq-fakeclamd qq-fdinfo qq-pty
MAN8 := $(wildcard man/*.8)

LIB_SRC := $(wildcard src/lib/*.c)
LIB_OBJ := $(patsubst src/lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRC))
HDRS := $(wildcard src/include/qscanq/*.h) $(BUILD)/conf.h

# make SANITIZE=yes (make check-sanitize): ASan and UBSan in every
# program, all of them dynamically linked (the sanitizers cannot be static),
# with the options of tools/sanitize.c compiled in; SANLOG=PATH sends the
# reports to PATH.PID instead of fd 2 (see tools/sanitize.c).
ifeq ($(SANITIZE),yes)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE
SANOBJ := $(BUILD)/sanitize.o
LDSTATIC := $(LDDYN)
endif

# Fuzz targets: fuzz/NAME.c defines LLVMFuzzerTestOneInput over code of
# libqscanq.a, with seed inputs in fuzz/corpus/NAME and every crash input
# ever found in fuzz/regress/NAME. make builds build/replay/NAME (the
# target with fuzz/replay.c's main), which make check runs over both
# directories; make fuzz runs each target under libFuzzer (clang).
FUZZ_TARGETS := $(filter-out replay,$(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c)))
REPLAYS := $(addprefix $(BUILD)/replay/,$(FUZZ_TARGETS))
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -g -O1
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZ_LIB_OBJ := $(patsubst src/lib/%.c,$(BUILD)/fuzzobj/%.o,$(LIB_SRC))

.PHONY: all clean check check-sanitize demo bench bench-profile install uninstall setup deps fuzz fuzz-build replay FORCE
all: $(addprefix $(BUILD)/,$(PROGS) $(TEST_HELPERS)) $(REPLAYS)
replay: $(REPLAYS)

$(BUILD)/conf.h: FORCE
	@mkdir -p $(BUILD)/lib
	@sh src/mkconf.sh '$(CONF_HOME)' '$(CONF_QMAIL)' '$(CONF_SCANDIR)' \
	  '$(CONF_SCANCMD)' '$(CONF_USERS)' '$(CONF_TRUSTED)' '$(CONF_AGEOUT)' \
	  '$(CONF_SCANTIMEOUT)' '$(CONF_QUARANTINE)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(BUILD)/lib/%.o: src/lib/%.c $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/libqscanq.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: src/%.c $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/%.o: tests/helpers/%.c $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/sanlog.h: FORCE
	@mkdir -p $(BUILD)
	@{ echo '#define QSCANQ_SANLOG_PATH "$(SANLOG)"'; \
	  echo '#define QSCANQ_SANLOG_OPT "$(if $(SANLOG),:log_path=$(SANLOG))"'; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(BUILD)/sanitize.o: tools/sanitize.c $(BUILD)/sanlog.h
	$(CC) -I$(BUILD) $(CFLAGS) $(SANFLAGS) $(WARN) -c -o $@ $<

$(addprefix $(BUILD)/,$(STATIC_PROGS) qq-record qq-unit): $(BUILD)/%: $(BUILD)/%.o $(BUILD)/libqscanq.a $(SANOBJ)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDSTATIC) $(LDFLAGS) -o $@ $< $(SANOBJ) $(BUILD)/libqscanq.a $(SKARNET)

$(BUILD)/qq-caller: $(BUILD)/qq-caller.o $(BUILD)/libqscanq.a $(SANOBJ)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDDYN) $(LDFLAGS) -o $@ $< $(SANOBJ) $(BUILD)/libqscanq.a $(SKARNET)

$(addprefix $(BUILD)/,$(CLAM_PROGS)): $(BUILD)/%: $(BUILD)/%.o $(BUILD)/libqscanq.a $(SANOBJ)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDDYN) $(LDFLAGS) -o $@ $< $(SANOBJ) $(BUILD)/libqscanq.a $(CLAMAV) $(SKARNET)

# Any other test helper: dynamic, with the library (and, under
# SANITIZE=yes, linked with the sanitizers like everything else: make's
# built-in link rule would leave them out).
$(BUILD)/qq-%: $(BUILD)/qq-%.o $(BUILD)/libqscanq.a $(SANOBJ)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDDYN) $(LDFLAGS) -o $@ $< $(SANOBJ) $(BUILD)/libqscanq.a $(SKARNET)

# The replay of a fuzz target: the normal compiler and flags.
$(BUILD)/replay/%.o: fuzz/%.c $(HDRS) $(wildcard fuzz/*.h)
	@mkdir -p $(BUILD)/replay
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(WARN) -c -o $@ $<

$(REPLAYS): $(BUILD)/replay/%: $(BUILD)/replay/%.o $(BUILD)/replay/replay.o $(BUILD)/libqscanq.a $(SANOBJ)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDDYN) $(LDFLAGS) -o $@ $< $(BUILD)/replay/replay.o $(SANOBJ) $(BUILD)/libqscanq.a $(SKARNET)

# The libFuzzer build: clang, the library instrumented in its own object
# directory, the target linked with libFuzzer's main.
$(BUILD)/fuzzobj/%.o: src/lib/%.c $(HDRS)
	@mkdir -p $(BUILD)/fuzzobj
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(WARN) -c -o $@ $<

$(BUILD)/fuzzobj/libqscanq.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(BUILD)/fuzzobj/libqscanq.a
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $(WARN) -o $@ $< $(BUILD)/fuzzobj/libqscanq.a $(SKARNET)

fuzz-build: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

# Installs the table in src/hier.tab; DESTDIR is honoured. As root the
# owners are set; otherwise the files are installed as the current user.
INSTALL_ARGS = '$(BUILD)' '$(DESTDIR)' '$(CONF_HOME)' '$(CONF_QMAIL)' '$(CONF_SCANDIR)' '$(CONF_SCANCMD)' '$(CONF_USERS)' '$(CONF_QMAILDKIM)' \
  '$(CONF_TRUSTED)' '$(CONF_AGEOUT)' '$(CONF_SCANTIMEOUT)' '$(CONF_QUARANTINE)'
install: all
	sh src/install.sh install $(INSTALL_ARGS)

# Removes every file of the table; directories only when empty (the
# spool keeps messages in flight). The user stays: userdel it by hand.
uninstall:
	sh src/install.sh uninstall $(INSTALL_ARGS)

# Root: the user and group conf-users, and the spool, if missing.
setup:
	sh tools/setup '$(CONF_USERS)' '$(DESTDIR)$(CONF_SCANDIR)'

deps:
	@sh tools/deps

check:
	@sh tools/deps
	@$(MAKE) --no-print-directory all
	@sh tests/run

# The whole suite again, every program built with ASan and UBSan (a build
# of its own in the test root); any sanitizer report fails it.
check-sanitize:
	@sh tools/deps
	@QT_SANITIZE=yes sh tests/run

# Each fuzz target under libFuzzer for FUZZ_SECONDS seconds (default 60),
# on a scratch copy of its corpus and regression inputs; FUZZ_MERGE=1
# merges new inputs that add coverage into fuzz/corpus/NAME.
fuzz:
	@sh tools/deps fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS='$(FUZZ_SECONDS)' sh tools/fuzz '$(BUILD)' $(FUZZ_TARGETS)

demo:
	@sh tools/deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo

bench:
	@sh tools/deps
	@$(MAKE) --no-print-directory all
	@sh tools/bench

bench-profile:
	@sh tools/deps strace linux-perf
	@$(MAKE) --no-print-directory all
	@sh tools/bench profile

clean:
	rm -rf $(BUILD)

# The Debian package (debian/): dpkg-buildpackage in this tree; the .deb
# lands in the parent directory. The version file and debian/changelog
# must agree. check-deb (root, Debian 12) builds it from a clean clone,
# installs, upgrades, removes and purges it: tests/deb/package.t.
.PHONY: deb check-deb
deb:
	@v=$$(head -n 1 version) c=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$$c" ] || \
	  { echo "make deb: version says $$v but debian/changelog $$c" >&2; exit 1; }
	dpkg-buildpackage -us -uc -b

check-deb:
	@sh tools/deps
	@prove -v tests/deb/package.t
