#!/bin/sh
# demo.sh - the README's first command: install dependencies, build, ingest
# the bundled sample dump, run a first search, then start the web interface
# when this build has it.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
make -j"$(nproc)"
export TRAWL_ARCHIVE="${TRAWL_ARCHIVE:-$PWD/sample.db}"
./build/trawl ingest examples/sample-dump
echo
echo '$ trawl search "engine room fire"'
./build/trawl search "engine room fire"
echo
echo '$ trawl search from:jonas.brekke@halvorsen-maritime.example date:2014-03 has:attachment'
./build/trawl search from:jonas.brekke@halvorsen-maritime.example date:2014-03 has:attachment
if ./build/trawl help serve >/dev/null 2>&1; then
	echo
	./build/trawl serve
fi
