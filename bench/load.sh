#!/bin/sh
# load.sh - load test of `trawl serve`: CLIENTS concurrent clients issue
# searches (bench/load.lua) for SECONDS against an archive on loopback,
# optionally while `trawl ingest` writes to the same archive, and print
# p50/p95/p99 latency, requests per second and errors.  Not part of
# `make check`; bounded in time.
#
#   bench/load.sh --archive enron.db [--ingest PATH] [--ingest-nice N] [--cold]
#                 [--clients 200] [--seconds 30] [--think MS] [--threads N]
#                 [--trawl build/trawl]
#
# --think MS: each client pauses about MS (MS/2 to 3MS/2) between requests,
# as readers do; without it, every client sends its next request at once
# (a stress test: the request rate grows until the machine is saturated).
# Needs wrk (apt-get install wrk).  The goal: zero errors and
# p95 under 100 ms with 200 clients on the Enron mail during an ingest.
set -eu
cd "$(dirname "$0")/.."
archive="" ingest="" inice=0 cold=0 clients=200 seconds=30 think=0 threads="" trawl=build/trawl
while [ $# -gt 0 ]; do
	case "$1" in
	--archive) archive=$2; shift 2 ;;
	--ingest) ingest=$2; shift 2 ;;
	--ingest-nice) inice=$2; shift 2 ;;
	--cold) cold=1; shift ;;
	--clients) clients=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--think) think=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--trawl) trawl=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "load.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$archive" ] || { echo "load.sh: --archive FILE is required" >&2; exit 2; }
command -v wrk >/dev/null || { echo "load.sh: wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$trawl" ] || { echo "load.sh: no $trawl: build it first (make)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/trawl-load-XXXXXX")
srv_pid="" ing_pid=""
cleanup() {
	# A killed process's status must not stop the cleanup (set -e).
	set +e
	[ -n "$ing_pid" ] && kill "$ing_pid" 2>/dev/null && wait "$ing_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$trawl" serve --archive "$archive" --listen 127.0.0.1:0 ${threads:+--threads "$threads"} \
	>"$work/serve.out" 2>"$work/serve.err" &
srv_pid=$!
i=0
until grep -q 'http://' "$work/serve.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$work/serve.err" >&2; exit 1; }
	sleep 0.1
done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)
echo "load: server at $url, $clients clients for ${seconds}s, think time ${think} ms"
# Steady state, not a cold start: pages 1 to 5 of every search in the mix
# have been asked once, as by the readers before (bench/warm.py), which
# fills the operating system's page cache and the server's answer cache;
# deep pages (2 % of the mix) stay misses.  --cold skips this.  Then the
# ingest starts, so that it runs during the measured seconds.
[ "$cold" = 1 ] || python3 bench/warm.py "$url"
if [ -n "$ingest" ]; then
	nice -n "$inice" "$trawl" ingest --archive "$archive" --no-count "$ingest" >"$work/ingest.out" 2>&1 &
	ing_pid=$!
	sleep 2
	echo "load: ingest of $ingest running (pid $ing_pid, nice $inice)"
fi
TRAWL_LOAD_THINK_MS=$think wrk -t2 -c"$clients" -d"${seconds}s" --timeout 10s -s "${LOAD_LUA:-bench/load.lua}" "$url" >"$work/wrk.out" 2>&1
sed -n '/^Running/,/^{/p' "$work/wrk.out" | grep -v '^{' | sed 's/^/  /'
result=$(grep '^{' "$work/wrk.out" | tail -1)
python3 -c 'import sys, urllib.request; print("load: server counters:", urllib.request.urlopen(sys.argv[1] + "/api/server").read().decode())' "$url" || true
if [ -n "$ing_pid" ]; then
	if kill -0 "$ing_pid" 2>/dev/null; then
		echo "load: the ingest was still running when the load ended"
	else
		echo "load: warning: the ingest ended before the load did"
	fi
fi
echo "load: $result"
