#!/bin/sh
# run.sh DIR - run every test program in DIR (cmocka), then replay the seeds
# of every fuzz target built there (DIR/fuzz_<name>, see tests/fuzz/replay.c)
# and print one summary line that CI reads: "tests: N passed, N failed,
# N skipped".  A fuzz target counts as one test: it passes when every input
# of tests/fuzz/seeds/<name>/ runs without a crash or a sanitizer report
# (regression inputs are kept there too, e.g. seeds/legacy/libgsf-leak-*).
# Sanitizer reports make a program fail.
set -u
dir=${1:-build-check/tests}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}"
pass=0 fail=0 skip=0 failed_progs=""
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$dir/$name.log"
	start=$(date +%s)
	"$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	grep -h '^SKIP:' "$log" | sed "s/^/$name: /"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or a sanitizer stopped it
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$f" -ne 0 ]; then
		failed_progs="$failed_progs $name"
		echo "FAIL $name (${secs}s): see $log"
		grep -E '^\[  (FAILED|ERROR) \]|ERROR: |runtime error|Assertion|error:|failure' "$log" | head -20
	else
		echo "ok   $name: $p passed, $s skipped (${secs}s)"
	fi
done
for t in "$dir"/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	target=${name#fuzz_}
	log="$dir/$name.log"
	seeds=tests/fuzz/seeds/$target
	if [ ! -d "$seeds" ]; then
		echo "SKIP $name: no seeds in tests/fuzz/seeds/$target"
		skip=$((skip + 1))
		continue
	fi
	start=$(date +%s)
	# Full stacks at malloc (GLib has no frame pointers), so that the
	# libgsf suppression of tests/lsan.supp matches, as in tests/fuzz/run.sh.
	ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" "$t" "$seeds" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	n=$(sed -n 's/^replay: \([0-9]*\) inputs$/\1/p' "$log")
	if [ "$rc" -ne 0 ] || grep -q 'runtime error' "$log"; then
		fail=$((fail + 1))
		failed_progs="$failed_progs $name"
		echo "FAIL $name (${secs}s): see $log"
		grep '^replay: ' "$log" | tail -1
		grep -E 'ERROR: |runtime error|SUMMARY:' "$log" | head -20
	else
		pass=$((pass + 1))
		echo "ok   $name: ${n:-0} seeds replayed (${secs}s)"
	fi
done
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
