#!/bin/sh
# deps.sh - install the Debian 12 packages trawl needs to build and test.
# Run as root; otherwise it prints the command to run.
set -eu
PKGS="build-essential pkg-config libsqlite3-dev libgmime-3.0-dev libarchive-dev
libmupdf-dev libopenjp2-7-dev libjbig2dec0-dev libharfbuzz-dev libgumbo-dev
libjpeg-dev libfreetype-dev libmujs-dev libxml2-dev libpst-dev libmagic-dev
libuchardet-dev libssl-dev libhyperscan-dev libpcre2-dev libmicrohttpd-dev
libjansson-dev libcmocka-dev libytnef0-dev libgsf-1-dev zlib1g-dev zstd
libicu-dev libstemmer-dev libcld2-dev g++ clang
python3 ca-certificates python3-dkim graphviz
libexif-dev libavformat-dev libavcodec-dev libavutil-dev libtesseract-dev libleptonica-dev
tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-deu tesseract-ocr-spa tesseract-ocr-rus
tesseract-ocr-jpn tesseract-ocr-chi-sim tesseract-ocr-osd
imagemagick libimage-exiftool-perl ffmpeg fonts-dejavu-core"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all build dependencies are installed"
	exit 0
fi
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root:  $cmd" >&2
	exit 1
fi
echo "deps: installing$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
