# qlat.mk - build bench/qlat.c against an existing libtrawl with the
# project's own flags.
#
#   make -f bench/qlat.mk BUILD=build QLAT=bench/work/qlat bench/work/qlat
#
# It includes the top-level Makefile only for its compiler flags and library
# list.  On purpose, the rule does not depend on $(BUILD)/libtrawl.a: the
# benchmark must measure the library the trawl binary was linked with, and
# must never rebuild (or, on a failed link, delete) that binary.
include Makefile

QLAT ?= bench/work/qlat

$(QLAT): bench/qlat.c include/trawl.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ bench/qlat.c $(BUILD)/libtrawl.a $(ALL_LDFLAGS) $(LIBS)
