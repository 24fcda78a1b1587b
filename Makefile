# trawl - build, test and install.
#
#   make                  build build/trawl, build/trawl-full (and build/libtrawl.a)
#   make DEVELOPER=1      same with the developer warnings (DEV_WARN), -Werror,
#                         and ASan+UBSan
#   make check            in build-check/, with DEVELOPER=1 under gcc: build
#                         everything, then run the build's own checks and every
#                         test (see "The checks" below); one summary line.
#                         Everything is also compiled with clang under the same
#                         developer flags (build-check-clang/), which fails the
#                         check on any clang warning; its tests are not run
#   make check-clang      the whole check with clang, in build-clang-check/
#   make deps             install the Debian packages the build needs (root)
#   make demo             deps + build + ingest the sample dump + search + serve
#   make fuzz             build and run each libFuzzer target for FUZZ_SECONDS
#   make manpage          regenerate docs/trawl.1 from --help (tools/manpage.sh)
#   make install PREFIX=/usr/local
#
# Variables: CC, CFLAGS, BUILD (object directory), PREFIX, DESTDIR,
# DEVELOPER=1, SANITIZE=1.
#
# The layers are enforced by the flags: lib/ is compiled with -Ilib, but
# cli/, server/ (and the generated web assets) see only include/, the
# public API.  Every source of lib/, cli/ and server/ is compiled with
# -include lib/banned.h, which turns strcpy, sprintf, strtok, atoi,
# localtime and the like into compile errors.
#
# The checks (make check, in this order; all of them run, and make check
# fails if any does):
#   1. banned functions: tools/check-banned.sh compiles tests/build/banned.c
#      once per banned function, with the project's flags, and wants each to
#      fail (and the file without them to compile);
#   2. the man page: docs/trawl.1 must equal what tools/manpage.sh makes from
#      the --help of the built binary (run `make manpage` after changing a
#      usage text);
#   3. tests/run.sh: every test program, then every fuzz target replaying its
#      seeds (tests/fuzz/replay.c, no libFuzzer needed);
#   4. the layer rule on the #include lines (tools/check-layers.sh);
#   5. the clang developer build of the library, programs and tests.

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g

PKGS := gmime-3.0 sqlite3 libarchive libxml-2.0 libmagic uchardet libcrypto \
        libmicrohttpd jansson libpst libgsf-1 libytnef zlib libhs libpcre2-8 \
        libexif libavformat libavutil libavcodec tesseract lept icu-uc
MUPDF_LIBS := -lmupdf -lmupdf-third -lz -ljpeg -lopenjp2 -ljbig2dec -lfreetype \
              -lharfbuzz -lgumbo -lmujs -lm -lpthread

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# lib/text/: Snowball stemmers and CLD2 (C++, reached through lib/text/cld2.cc).
TEXT_LIBS  := -lstemmer -lcld2 -lstdc++

WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes
# Warnings every change must pass (make check); -Werror makes them errors.
DEV_WARN := -Wmissing-prototypes -Wvla -Wwrite-strings -Wformat=2 -Werror
SAN  :=
ifeq ($(DEVELOPER),1)
WARN += $(DEV_WARN)
SANITIZE := 1
endif
ifeq ($(SANITIZE),1)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN) -pthread
BANNED := -include lib/banned.h
# The engine sees its own headers; the front ends (cli/, server/, json/ if
# present, the web assets) see only the public header.  Tests and fuzz
# targets reach the internals (ALL_CFLAGS) and may use any libc function.
LIB_CFLAGS := $(BASE_CFLAGS) -Iinclude -Ilib $(PKG_CFLAGS) $(BANNED)
FRONT_CFLAGS := $(BASE_CFLAGS) -Iinclude $(if $(wildcard json/*.h),-Ijson) $(PKG_CFLAGS) $(BANNED)
ALL_CFLAGS := $(BASE_CFLAGS) -Iinclude -Ilib $(PKG_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SAN) -pthread
# -lgomp: ocr.c turns off libgomp's nested threads (Tesseract links it).
LIBS := $(PKG_LIBS) $(TEXT_LIBS) $(MUPDF_LIBS) -lgomp -lm
# The one C++ file (the CLD2 shim): no exceptions or RTTI cross into C.
# Its compiler follows CC, so that both sides share sanitizer runtimes.
ifneq ($(findstring clang,$(CC)),)
CXX := $(subst clang,clang++,$(CC))
else ifneq ($(findstring gcc,$(CC)),)
CXX := $(subst gcc,g++,$(CC))
else
CXX := c++
endif
ALL_CXXFLAGS := -std=c++11 $(filter-out -Wstrict-prototypes -Wmissing-prototypes,$(WARN)) $(CFLAGS) $(SAN) \
                -fno-exceptions -fno-rtti -Ilib

LIB_SRC := $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_CXX_SRC := $(sort $(wildcard lib/*/*.cc))
# cli/main.c is built twice: trawl-full (every command) and trawl (the
# front: reading commands itself, the rest through trawl-full; see main.c).
# json/ holds the JSON shapes cli/ and server/ share; its objects go into
# libcli.a with theirs, so the front links only the shapes its commands use.
CLI_SRC := $(filter-out cli/main.c,$(sort $(wildcard cli/*.c json/*.c server/*.c)))
WEB_SRC := $(sort $(wildcard web/*))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_CXX_SRC:%.cc=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CLI_TEST_SRC := $(sort $(wildcard tests/cli/test_*.c))
CLI_TEST_BIN := $(CLI_TEST_SRC:tests/cli/%.c=$(BUILD)/tests/%)
CORPUS_SRC := $(sort $(wildcard tests/corpus/test_*.c))
CORPUS_BIN := $(CORPUS_SRC:tests/corpus/%.c=$(BUILD)/tests/%)
# Each fuzz target also gets a plain main() (tests/fuzz/replay.c) that
# replays files, so make check runs every seed without libFuzzer.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%)
TEST_BIN := $(UNIT_BIN) $(CLI_TEST_BIN) $(CORPUS_BIN) $(FUZZ_BIN)

.PHONY: all clean check check-clang check-build tests deps demo install fuzz manpage \
	print-libs print-cflags
all: $(BUILD)/trawl

$(LIB_OBJ): OBJ_CFLAGS = $(LIB_CFLAGS)
$(CLI_OBJ) $(BUILD)/cli/main.o $(BUILD)/cli/front.o $(BUILD)/web_assets.o: OBJ_CFLAGS = $(FRONT_CFLAGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(OBJ_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -MMD -MP -c -o $@ $<

# The web UI is embedded in the binary as a generated C table.
$(BUILD)/web_assets.c: $(WEB_SRC) tools/embed.sh
	@mkdir -p $(BUILD)
	sh tools/embed.sh $(WEB_SRC) > $@

$(BUILD)/web_assets.o: $(BUILD)/web_assets.c
	$(CC) $(OBJ_CFLAGS) -c -o $@ $<

$(BUILD)/libtrawl.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libcli.a: $(CLI_OBJ) $(BUILD)/web_assets.o
	rm -f $@
	ar rcs $@ $^

$(BUILD)/trawl-full: $(BUILD)/cli/main.o $(BUILD)/libcli.a $(BUILD)/libtrawl.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(BUILD)/cli/main.o $(CLI_OBJ) $(BUILD)/web_assets.o \
		$(BUILD)/libtrawl.a $(LIBS)

# Only what the front's commands use is linked, and only the shared
# libraries that code needs are loaded (--as-needed).
$(BUILD)/cli/front.o: cli/main.c
	@mkdir -p $(dir $@)
	$(CC) $(OBJ_CFLAGS) -DTRAWL_FRONT -MMD -MP -c -o $@ $<

$(BUILD)/trawl: $(BUILD)/cli/front.o $(BUILD)/libcli.a $(BUILD)/libtrawl.a $(BUILD)/trawl-full
	$(CC) $(ALL_LDFLAGS) -o $@ $(BUILD)/cli/front.o $(BUILD)/libcli.a $(BUILD)/libtrawl.a \
		-Wl,--as-needed $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtrawl.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(BUILD)/libtrawl.a $(ALL_LDFLAGS) $(LIBS) -lcmocka

$(BUILD)/tests/%: tests/cli/%.c $(wildcard tests/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(ALL_LDFLAGS) -lsqlite3 -ljansson -lcmocka

$(BUILD)/tests/%: tests/corpus/%.c $(wildcard tests/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Itests/cli -o $@ $< $(ALL_LDFLAGS) -ljansson -lcmocka

$(BUILD)/tests/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(BUILD)/libtrawl.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< tests/fuzz/replay.c $(BUILD)/libtrawl.a \
		$(ALL_LDFLAGS) $(LIBS)

tests: $(BUILD)/trawl $(TEST_BIN)

# make check: a developer build (warnings as errors, ASan+UBSan) in its own
# object directory, then every check; all of them run, and make check fails
# if any does.  The layer check runs last.
CHECK_BUILD ?= build-check
check:
	$(MAKE) BUILD=$(CHECK_BUILD) DEVELOPER=1 tests
	@st=0; \
	$(MAKE) -s BUILD=$(CHECK_BUILD) DEVELOPER=1 check-build || st=1; \
	TRAWL=$(CURDIR)/$(CHECK_BUILD)/trawl sh tests/run.sh $(CHECK_BUILD)/tests || st=1; \
	sh tools/check-layers.sh || st=1; \
	case "$(CC)" in \
	*clang*) ;; \
	*) if $(MAKE) -s CC=clang BUILD=$(CHECK_BUILD)-clang DEVELOPER=1 tests >$(CHECK_BUILD)/clang.log 2>&1; then \
		echo "ok   clang: the developer build compiles without a warning"; \
	else \
		echo "FAIL clang: the developer build under clang (see $(CHECK_BUILD)/clang.log):"; \
		grep -E 'error|warning' $(CHECK_BUILD)/clang.log | head -20; st=1; \
	fi ;; \
	esac; \
	exit $$st

# The same under clang (its warnings and sanitizers differ from gcc's).
check-clang:
	$(MAKE) CC=clang CHECK_BUILD=build-clang-check check

# The build's own checks: banned functions are rejected, and the man page
# says what --help says.
check-build: $(BUILD)/trawl
	@st=0; \
	sh tools/check-banned.sh $(CC) $(LIB_CFLAGS) || st=1; \
	sh tools/manpage.sh $(BUILD)/trawl $(BUILD)/trawl.1 && \
	if diff -u docs/trawl.1 $(BUILD)/trawl.1 >$(BUILD)/trawl.1.diff; then \
		echo "ok   man page: docs/trawl.1 matches --help"; \
	else \
		echo "FAIL man page: docs/trawl.1 differs from --help (make manpage):"; \
		head -40 $(BUILD)/trawl.1.diff; st=1; \
	fi || st=1; \
	exit $$st

manpage: $(BUILD)/trawl
	sh tools/manpage.sh $(BUILD)/trawl docs/trawl.1

deps:
	sh tools/deps.sh

demo:
	sh tools/demo.sh

fuzz:
	sh tests/fuzz/run.sh

print-libs:
	@echo $(LIBS)

print-cflags:
	@echo $(PKG_CFLAGS)

install: $(BUILD)/trawl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/trawl $(DESTDIR)$(PREFIX)/bin/trawl
	install -m 755 $(BUILD)/trawl-full $(DESTDIR)$(PREFIX)/bin/trawl-full
	install -m 644 include/trawl.h $(DESTDIR)$(PREFIX)/include/trawl.h
	install -m 644 $(BUILD)/libtrawl.a $(DESTDIR)$(PREFIX)/lib/libtrawl.a
	install -m 644 docs/trawl.1 $(DESTDIR)$(PREFIX)/share/man/man1/trawl.1

clean:
	rm -rf build build-check build-clang-check build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BUILD)/cli/main.d $(BUILD)/cli/front.d
