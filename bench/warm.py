"""warm.py URL [PAGES] - ask once for the first PAGES pages (default 5) of every
search in bench/load.lua, in each order, encoded exactly as load.lua encodes
it (so the same cache keys): the state of a server whose readers have been at
work for a while.  Eight requests at a time."""
import re
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

url = sys.argv[1]
pages = int(sys.argv[2]) if len(sys.argv) > 2 else 5
src = open("bench/load.lua", encoding="utf-8").read()
block = src[src.index("local queries = {"):]
block = block[:block.index("\n}")]
urls = []
for q in re.findall(r'"((?:[^"\\]|\\.)*)"', block):
    q = q.replace('\\"', '"')
    for page in range(1, pages + 1):
        for sort in ("relevance", "-date", "date"):
            urls.append("%s/api/search?q=%s&size=50&page=%d&sort=%s"
                        % (url, urllib.parse.quote(q, safe="-_.~"), page, sort))


def fetch(u):
    try:
        urllib.request.urlopen(u, timeout=300).read()
    except Exception as e:  # report and go on: a warm-up, not a test
        print("warm: %s: %s" % (u, e), file=sys.stderr)


with ThreadPoolExecutor(8) as ex:
    list(ex.map(fetch, urls))
