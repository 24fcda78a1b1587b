# trawl - build, test and install.
#
#   make                  build build/trawl, build/trawl-full (and build/libtrawl.a)
#   make DEVELOPER=1      same with -Werror and ASan+UBSan
#   make check            build with sanitizers and run every test
#   make deps             install the Debian packages the build needs (root)
#   make demo             deps + build + ingest the sample dump + search + serve
#   make fuzz             build and run each libFuzzer target for FUZZ_SECONDS
#   make install PREFIX=/usr/local
#
# Variables: CC, CFLAGS, BUILD (object directory), PREFIX, DESTDIR.

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g

PKGS := gmime-3.0 sqlite3 libarchive libxml-2.0 libmagic uchardet libcrypto \
        libmicrohttpd jansson libpst libgsf-1 libytnef zlib libhs libpcre2-8 \
        icu-uc
MUPDF_LIBS := -lmupdf -lmupdf-third -lz -ljpeg -lopenjp2 -ljbig2dec -lfreetype \
              -lharfbuzz -lgumbo -lmujs -lm -lpthread

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# lib/text/: Snowball stemmers and CLD2 (C++, reached through lib/text/cld2.cc).
TEXT_LIBS  := -lstemmer -lcld2 -lstdc++

WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes
SAN  :=
ifeq ($(DEVELOPER),1)
WARN += -Werror
SANITIZE := 1
endif
ifeq ($(SANITIZE),1)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN) -pthread \
              -Iinclude -Ilib $(PKG_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SAN) -pthread
LIBS := $(PKG_LIBS) $(TEXT_LIBS) $(MUPDF_LIBS) -lm
# The one C++ file (the CLD2 shim): no exceptions or RTTI cross into C.
# Its compiler follows CC, so that both sides share sanitizer runtimes.
ifneq ($(findstring clang,$(CC)),)
CXX := $(subst clang,clang++,$(CC))
else ifneq ($(findstring gcc,$(CC)),)
CXX := $(subst gcc,g++,$(CC))
else
CXX := c++
endif
ALL_CXXFLAGS := -std=c++11 $(filter-out -Wstrict-prototypes,$(WARN)) $(CFLAGS) $(SAN) \
                -fno-exceptions -fno-rtti -Ilib

LIB_SRC := $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_CXX_SRC := $(sort $(wildcard lib/*/*.cc))
# cli/main.c is built twice: trawl-full (every command) and trawl (the
# front: reading commands itself, the rest through trawl-full; see main.c).
CLI_SRC := $(filter-out cli/main.c,$(sort $(wildcard cli/*.c server/*.c)))
WEB_SRC := $(sort $(wildcard web/*))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_CXX_SRC:%.cc=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CLI_TEST_SRC := $(sort $(wildcard tests/cli/test_*.c))
CLI_TEST_BIN := $(CLI_TEST_SRC:tests/cli/%.c=$(BUILD)/tests/%)
CORPUS_SRC := $(sort $(wildcard tests/corpus/test_*.c))
CORPUS_BIN := $(CORPUS_SRC:tests/corpus/%.c=$(BUILD)/tests/%)
TEST_BIN := $(UNIT_BIN) $(CLI_TEST_BIN) $(CORPUS_BIN)

.PHONY: all clean check tests deps demo install fuzz print-libs print-cflags
all: $(BUILD)/trawl

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -MMD -MP -c -o $@ $<

# The web UI is embedded in the binary as a generated C table.
$(BUILD)/web_assets.c: $(WEB_SRC) tools/embed.sh
	@mkdir -p $(BUILD)
	sh tools/embed.sh $(WEB_SRC) > $@

$(BUILD)/web_assets.o: $(BUILD)/web_assets.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

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
	$(CC) $(ALL_CFLAGS) -DTRAWL_FRONT -MMD -MP -c -o $@ $<

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

tests: $(BUILD)/trawl $(TEST_BIN)

# The test suite runs on a sanitized build in its own object directory.
check:
	$(MAKE) BUILD=build-check SANITIZE=1 tests
	TRAWL=$(CURDIR)/build-check/trawl sh tests/run.sh build-check/tests

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
	rm -rf build build-check build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BUILD)/cli/main.d $(BUILD)/cli/front.d
