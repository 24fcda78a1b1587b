#!/bin/sh
# setup.sh - install what the browser tests need: Debian's chromium (as
# root, when missing) and playwright-core from npm (pinned in
# package-lock.json).  Exit 0 when ready, 77 when something is missing and
# cannot be installed here (the tests are then skipped, visibly).
set -u
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1; then
	echo "e2e setup: node is missing (apt-get install nodejs)" >&2
	exit 77
fi
if [ ! -x /usr/bin/chromium ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "e2e setup: installing chromium" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2 ||
			{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2; }
	fi
	if [ ! -x /usr/bin/chromium ]; then
		echo "e2e setup: /usr/bin/chromium is missing; as root: apt-get install chromium" >&2
		exit 77
	fi
fi
if [ ! -f node_modules/playwright-core/package.json ]; then
	echo "e2e setup: installing playwright-core from npm" >&2
	npm ci --no-audit --no-fund --loglevel=error >&2 || npm install --no-audit --no-fund --loglevel=error >&2
	if [ ! -f node_modules/playwright-core/package.json ]; then
		echo "e2e setup: npm could not install playwright-core" >&2
		exit 77
	fi
fi
exit 0
