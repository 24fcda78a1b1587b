#!/bin/sh
# run.sh DIR - run every test program in DIR (cmocka) and print one summary
# line that CI reads: "tests: N passed, N failed, N skipped".
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
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
