#!/bin/sh
# run.sh - benchmark trawl against notmuch, mu, recoll and ripgrep.
#
# One command: installs the peers from Debian when missing (as root), builds
# trawl when missing, then runs bench/bench.py, which prints tables and
# writes bench/results/latest.json.  See bench/README.md.
#
#   bench/run.sh                  ingest (3 runs each) + queries + scaling
#   bench/run.sh --memory         also the 2 GB mbox and 100,000-file zip
#   bench/run.sh --perf           also perf record of one trawl ingest
#   bench/run.sh --help           every option
#
# Environment: TRAWL=path/to/trawl (default build/trawl, built with `make`
# when missing), BENCH_NO_INSTALL=1 to never call apt-get.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"

want_perf=0
for a in "$@"; do
	case "$a" in
	-h|--help)
		exec python3 "$here/bench.py" --help
		;;
	--perf)
		want_perf=1
		;;
	esac
done

# Peers: Debian package, command it provides.
install_peers() {
	missing=""
	pairs="notmuch:notmuch maildir-utils:mu recoll:recollindex ripgrep:rg"
	pairs="$pairs time:/usr/bin/time zstd:zstd"
	[ "$want_perf" = 0 ] || pairs="$pairs linux-perf:perf"
	for pair in $pairs; do
		pkg=${pair%%:*}
		cmd=${pair#*:}
		if ! command -v "$cmd" >/dev/null 2>&1; then
			missing="$missing $pkg"
		fi
	done
	[ -n "$missing" ] || return 0
	if [ "${BENCH_NO_INSTALL:-0}" = 1 ]; then
		echo "bench: not installing (BENCH_NO_INSTALL=1):$missing"
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "bench: missing:$missing; run as root to install them, or:"
		echo "  sudo apt-get install$missing"
		return 0
	fi
	echo "bench: installing$missing"
	# Another apt-get may hold the lock on a shared machine: wait for it.
	apt-get -o DPkg::Lock::Timeout=600 update -qq ||
		echo "bench: apt-get update failed; trying the install anyway"
	for pkg in $missing; do
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o DPkg::Lock::Timeout=600 "$pkg" >/dev/null; then
			echo "bench: could not install $pkg; its measurements are skipped"
		fi
	done
}

install_peers
if [ ! -x /usr/bin/time ]; then
	echo "bench: /usr/bin/time is required (apt-get install time)" >&2
	exit 1
fi
if ! command -v zstd >/dev/null 2>&1; then
	echo "bench: zstd is required to unpack the corpus (apt-get install zstd)" >&2
	exit 1
fi

trawl=${TRAWL:-build/trawl}
if [ ! -x "$trawl" ]; then
	if [ -n "${TRAWL:-}" ]; then
		echo "bench: TRAWL=$trawl is not an executable" >&2
		exit 1
	fi
	echo "bench: $trawl missing; building it with make (-O2, no sanitizers)"
	make -j"$(nproc)" build/trawl
fi
# A sanitized binary runs several times slower and would measure ASan.
if ldd "$trawl" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "bench: $trawl is built with sanitizers; build a plain one" \
		"(make BUILD=build) or set TRAWL" >&2
	exit 1
fi

# bench.py prints as it goes and keeps a copy in bench/results/latest.txt.
exec python3 "$here/bench.py" --trawl "$trawl" "$@"
