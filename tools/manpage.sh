#!/bin/sh
# manpage.sh [TRAWL [OUT]] - write the man page (OUT, default docs/trawl.1)
# from the --help of the command, of each subcommand and of `help query`, so
# the man page never disagrees with --help.  `make manpage` runs it;
# `make check` runs it into the build folder and fails when docs/trawl.1
# differs, so a usage text changed without `make manpage` is caught.
set -eu
bin=${1:-build/trawl}
out=${2:-docs/trawl.1}
ver=$("$bin" --version | awk '{print $2}')
esc() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/"; }
{
	echo ".TH TRAWL 1 \"\" \"trawl $ver\" \"User Commands\""
	echo ".SH NAME"
	printf '%s\n' 'trawl \- ingest, search and investigate leaked mail and document dumps'
	echo ".SH SYNOPSIS"
	echo ".B trawl"
	printf '%s\n' '[\fB\-\-version\fR] [\fB\-\-help\fR] [\fB\-\-color=\fIWHEN\fR] \fICOMMAND\fR [\fIARGS\fR]'
	echo ".SH DESCRIPTION"
	echo ".nf"
	"$bin" --help | esc
	echo ".fi"
	for cmd in $("$bin" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}'); do
		[ "$cmd" = help ] && continue
		echo ".SH \"TRAWL $(echo "$cmd" | tr a-z A-Z)\""
		echo ".nf"
		"$bin" "$cmd" --help 2>&1 | esc
		echo ".fi"
	done
	echo ".SH \"QUERY LANGUAGE\""
	echo ".nf"
	"$bin" help query | esc
	echo ".fi"
	echo ".SH ENVIRONMENT"
	echo ".TP"
	echo ".B TRAWL_ARCHIVE"
	printf '%s\n' 'the archive used when \fB\-\-archive\fR is not given (default ./trawl.db)'
	echo ".TP"
	echo ".B NO_COLOR"
	echo "when set and not empty, no colour is used"
	echo ".TP"
	echo ".B TRAWL_TOKEN"
	printf '%s\n' 'the access token of \fBtrawl serve\fR when \fB\-\-token\fR is not given (not visible in ps)'
	echo ".SH \"EXIT STATUS\""
	echo "0 success, 1 failure, 2 usage or query syntax error, 3 not found."
	echo ".SH \"SEE ALSO\""
	echo "docs/query.md, docs/archive.md, docs/api.md in the source tree."
} > "$out"
