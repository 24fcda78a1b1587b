#!/bin/sh
# run.sh - build every libFuzzer target in tests/fuzz/ with clang,
# ASan and UBSan, and run each for FUZZ_SECONDS (default 60) from its seeds.
# New inputs go to tests/fuzz/corpus-<name>/ (not committed); crashes are
# written as tests/fuzz/crash-<name>-* and make the run fail.
set -eu
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
# The same known library leaks as make check (tests/lsan.supp).
# Full stacks at malloc (GLib has no frame pointers): the libgsf frame must
# be in the stack for its suppression to match.
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-fast_unwind_on_malloc=0}"
only=${FUZZ_TARGETS:-}
san="-fsanitize=fuzzer-no-link,address,undefined"
make BUILD=build-fuzz CC=clang SANITIZE=0 CFLAGS="-O1 -g $san" build-fuzz/libtrawl.a >/dev/null
libs=$(make -s print-libs)
status=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c | sed 's/^fuzz_//')
	if [ -n "$only" ] && ! echo " $only " | grep -q " $name "; then
		continue
	fi
	bin=build-fuzz/fuzz_$name
	clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
		-Iinclude -Ilib -Itests $(make -s print-cflags) "$src" build-fuzz/libtrawl.a $libs -o "$bin"
	mkdir -p "tests/fuzz/corpus-$name" "tests/fuzz/seeds/$name"
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 \
		-artifact_prefix="tests/fuzz/crash-$name-" -print_final_stats=1 \
		"tests/fuzz/corpus-$name" "tests/fuzz/seeds/$name" >"build-fuzz/$name.log" 2>&1; then
		echo "fuzz: $name FAILED, see build-fuzz/$name.log"
		tail -30 "build-fuzz/$name.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "build-fuzz/$name.log" | tr '\n' ' '
		echo
	fi
done
exit $status
