#!/bin/sh
# check-layers.sh - check the #include lines of lib/, cli/, server/ (and
# json/ if present) against trawl's layer rule; print each violation as
# FILE:LINE: reason, and exit 1 if there is any.  make check runs it last.
#
# The rule:
#   flow: base (lib/*.h, lib/*.c) < text < extract < archive < search
#         < {investigate, protect, verify} < ingest
#   - a module includes headers of its own layer and of layers below it;
#   - text/ includes only base; archive/ only base and text/ (and its own
#     headers);
#   - archive/db.h (the SQLite backend) and <sqlite3.h> are included only by
#     the files of lib/archive/ and lib/search/ (<sqlite3.h> by their .c
#     files and db.h), never by archive.h or search.h, the two headers the
#     other layers include; the other headers of those two folders (db.h,
#     plan.h ...) are private to them: so the rest of the engine cannot
#     issue SQL;
#   - cli/, server/ and json/ include no lib/ header (only include/trawl.h);
#   - a folder of lib/ that is not in the list above is a violation too, so
#     a new module gets a place in the flow before it is used.
# A quoted #include is resolved as the compiler does: the including file's
# folder first, then include/ and lib/ (cli/, server/: include/ only).
set -u
cd "$(dirname "$0")/.."

# layer NAME -> rank; empty for a folder that is not in the flow.
layer() {
	case $1 in
	base) echo 0 ;;
	text) echo 1 ;;
	extract) echo 2 ;;
	archive) echo 3 ;;
	search) echo 4 ;;
	investigate | protect | verify) echo 5 ;;
	ingest) echo 6 ;;
	*) echo "" ;;
	esac
}

# module PATH -> base, a folder of lib/, public (include/), front, other.
module() {
	case $1 in
	lib/*/*) p=${1#lib/}; echo "${p%%/*}" ;;
	lib/*) echo base ;;
	include/*) echo public ;;
	cli/* | server/* | json/*) echo front ;;
	*) echo other ;;
	esac
}

# resolve FILE NAME -> the path a quoted #include "NAME" in FILE reaches.
resolve() {
	dir=$(dirname "$1")
	case $(module "$1") in
	front) dirs="$dir include json" ;;
	*) dirs="$dir include lib" ;;
	esac
	for d in $dirs; do
		if [ -f "$d/$2" ]; then
			# normalise a/b/../c
			echo "$d/$2" | sed -e ':a' -e 's#[^/]*/\.\./##' -e 'ta' -e 's#^\./##'
			return
		fi
	done
	echo ""
}

files=$(find lib cli server json -name '*.[ch]' 2>/dev/null | sort)
nviol=0 nfiles=0 nincl=0
out=$(
for f in $files; do
	m=$(module "$f")
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$f" |
	while IFS= read -r line; do
		ln=${line%%:*}
		name=$(echo "$line" | sed 's/^[^#]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/')
		case $line in
		*'#'*include*'<'*) kind=angle ;;
		*) kind=quote ;;
		esac
		echo "INCLUDE"
		where="$f:$ln"
		if [ "$kind" = angle ]; then
			if [ "$name" = sqlite3.h ]; then
				case $f in
				lib/archive/*.c | lib/search/*.c | lib/archive/db.h) ;;
				*) echo "$where: includes <sqlite3.h>: only lib/archive/*.c, lib/search/*.c and lib/archive/db.h may (the storage seam)" ;;
				esac
			fi
			continue
		fi
		h=$(resolve "$f" "$name")
		if [ -z "$h" ]; then
			if [ "$m" = front ] && [ -f "lib/$name" ]; then
				echo "$where: includes \"$name\", a lib/ header: cli/, server/ and json/ use only include/trawl.h"
			fi
			continue
		fi
		n=$(module "$h")
		if [ "$m" = front ]; then
			case $n in
			front | public) ;;
			*) echo "$where: includes $h: cli/, server/ and json/ use only include/trawl.h" ;;
			esac
			continue
		fi
		# From here on, f is in lib/.
		case $h in
		lib/archive/archive.h | lib/search/search.h) ;;
		lib/archive/* | lib/search/*)
			case $f in
			lib/archive/archive.h | lib/search/search.h)
				echo "$where: includes $h: archive.h and search.h are what other layers include, and must not pass on the backend's private headers (the storage seam)" ;;
			lib/archive/* | lib/search/*) ;;
			*) echo "$where: includes $h: private to lib/archive/ and lib/search/ (the storage seam)" ;;
			esac
			continue ;;
		esac
		[ "$n" = public ] && continue
		if [ "$n" = front ] || [ "$n" = other ]; then
			echo "$where: includes $h, which is not part of the engine"
			continue
		fi
		rm_=$(layer "$m") rn=$(layer "$n")
		if [ -z "$rm_" ]; then
			echo "$where: lib/$m/ is not in the layer rule (add it to tools/check-layers.sh)"
			continue
		fi
		if [ -z "$rn" ]; then
			echo "$where: includes $h: lib/$n/ is not in the layer rule (add it to tools/check-layers.sh)"
			continue
		fi
		[ "$m" = "$n" ] && continue
		if [ "$m" = text ]; then
			[ "$n" = base ] || echo "$where: includes $h: text/ may include only base headers, not $n/"
			continue
		fi
		if [ "$m" = archive ]; then
			[ "$n" = base ] || [ "$n" = text ] ||
				echo "$where: includes $h: archive/ may include only base and text/ headers, not $n/"
			continue
		fi
		if [ "$rn" -gt "$rm_" ]; then
			echo "$where: includes $h: $m/ may not include $n/, a layer above it"
		fi
	done
done
)
nfiles=$(echo "$files" | grep -c .)
nincl=$(printf '%s\n' "$out" | grep -c '^INCLUDE$')
viol=$(printf '%s\n' "$out" | grep -v '^INCLUDE$' | grep .)
if [ -n "$viol" ]; then
	printf '%s\n' "$viol"
	nviol=$(printf '%s\n' "$viol" | grep -c .)
	echo "FAIL layers: $nviol violations in $nincl #include lines of $nfiles files"
	exit 1
fi
echo "ok   layers: $nincl #include lines of $nfiles files follow the layer rule"
