#!/bin/sh
# check-banned.sh CC CFLAGS... - prove that lib/banned.h rejects each banned
# function under the given compiler and flags (those of lib/, which
# force-include lib/banned.h): tests/build/banned.c must fail to compile with
# -DUSE_<function> for every function banned.h lists, with an error naming
# it, and must compile without.  Run by make check.
set -u
cd "$(dirname "$0")/.."
src=tests/build/banned.c
log=${TMPDIR:-/tmp}/trawl-banned.$$
trap 'rm -f "$log"' EXIT
funcs=$(sed -n 's/^#define \([a-z_]*\)(.*BANNED(\1)$/\1/p' lib/banned.h)
[ -n "$funcs" ] || { echo "FAIL banned: no banned function found in lib/banned.h"; exit 1; }
st=0 n=0
if ! "$@" -fsyntax-only "$src" >"$log" 2>&1; then
	echo "FAIL banned: $src does not compile without a banned function:"
	head -20 "$log"
	st=1
fi
for f in $funcs; do
	n=$((n + 1))
	if "$@" -fsyntax-only -DUSE_$f "$src" >"$log" 2>&1; then
		echo "FAIL banned: a call to $f compiles"
		st=1
	elif ! grep -q "sorry_${f}_is_a_banned_function" "$log"; then
		echo "FAIL banned: a call to $f fails, but not because of the ban:"
		head -10 "$log"
		st=1
	fi
done
[ "$st" -eq 0 ] && echo "ok   banned: $n functions rejected ($(echo $funcs | tr ' ' ','))"
exit $st
