#!/usr/bin/env python3
"""bench.py - trawl against notmuch, mu, recoll and ripgrep on one corpus.

Called by bench/run.sh, which installs the peers and builds trawl first;
see bench/README.md for what is measured and how to read the output.

Phases (each can be switched off):
  prepare   unpack the corpus once into WORK/corpus, build the maildir-shaped
            hard-link tree for mu, write the notmuch and recoll configs
  ingest    RUNS rounds; in each round every tool indexes the corpus into a
            fresh index (rounds interleave the tools so that a change in the
            machine's load hits all of them alike); wall time from a
            monotonic clock around the process, CPU time and peak RSS from
            /usr/bin/time, index size from the blocks its files use
  query     the aligned query list (bench/queries.tsv) on trawl, notmuch and
            mu, process per query, REPS timed runs after one warm-up run;
            plus trawl through the library in one process (bench/qlat.c)
  scaling   trawl on 1x, 2x and 4x copies of the corpus (each copy carries an
            X-Bench-Copy header, so every message is new content)
  memory    trawl on a generated 2 GB mbox and a generated zip of 100,000
            small files: peak RSS and throughput (only with --memory)
  perf      perf record of one trawl ingest, summarised by module and
            symbol (only with --perf)

Nothing is dropped from the OS page cache between runs: every tool reads
warm files, after one warm-up read of the whole corpus.
"""

import argparse
import glob
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PEERS = ("trawl", "notmuch", "mu", "recoll", "rg")
QUERY_TOOLS = ("trawl", "base", "notmuch", "mu")


LOG = None  # a copy of everything printed, in RESULTS/latest.txt
BASELINE = None  # --baseline: an earlier trawl build measured beside trawl


def log(msg):
    print(msg, flush=True)
    if LOG:
        LOG.write(msg + "\n")
        LOG.flush()


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def note_load(res, phase):
    la = loadavg()
    res["load"].append({"phase": phase, "time": time.strftime("%H:%M:%S"),
                        "loadavg": la})
    log("  load average (%s): %.2f %.2f %.2f" % (phase, *la))


def disk_usage(path):
    """Bytes of disk blocks used by the files under path (du -s)."""
    if not os.path.exists(path):
        return 0
    if os.path.isfile(path):
        return os.stat(path).st_blocks * 512
    seen = set()
    total = 0
    for root, dirs, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(root, name))
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def run_timed(cmd, env=None, stdout=subprocess.DEVNULL, cwd=None):
    """Run cmd under /usr/bin/time.  Wall time comes from our own monotonic
    clock around the whole process; user/sys/peak RSS from time(1)."""
    fd, tf = tempfile.mkstemp(prefix="bench-time-")
    os.close(fd)
    full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf] + cmd
    t0 = time.monotonic_ns()
    p = subprocess.run(full, env=env, stdout=stdout, stderr=subprocess.PIPE,
                       cwd=cwd)
    t1 = time.monotonic_ns()
    with open(tf) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    os.unlink(tf)
    user = sys_ = rss = None
    if lines:
        parts = lines[-1].split()
        if len(parts) == 4:
            user, sys_, rss = float(parts[1]), float(parts[2]), int(parts[3])
    r = {"wall": (t1 - t0) / 1e9, "user": user, "sys": sys_,
         "cpu": (user or 0) + (sys_ or 0), "rss_kb": rss, "rc": p.returncode,
         "stderr": p.stderr.decode("utf-8", "replace")[-2000:]}
    if stdout == subprocess.PIPE:
        r["stdout"] = p.stdout.decode("utf-8", "replace")
    return r


def median(xs):
    return statistics.median(xs) if xs else None


def pct(xs, p):
    """Nearest-rank percentile."""
    if not xs:
        return None
    s = sorted(xs)
    k = max(1, math.ceil(p / 100.0 * len(s)))
    return s[k - 1]


def fmt_s(x):
    return "-" if x is None else "%.2f" % x


def fmt_ms(x):
    return "-" if x is None else "%.1f" % (x * 1000)


def fmt_mb(b):
    return "-" if b is None else "%.0f" % (b / 1e6)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "-" if r is None else "%.2fx" % r


# ------------------------------------------------------------------ prepare

def count_files(d):
    n = 0
    for _root, _dirs, files in os.walk(d):
        n += len(files)
    return n


def unpack_corpus(args, work):
    dst = os.path.join(work, "corpus")
    stamp = os.path.join(work, "corpus.done")
    if os.path.exists(stamp):
        with open(stamp) as f:
            src = f.read().strip()
        if src == args.source:
            return dst, int(open(stamp + ".count").read())
        log("corpus source changed; unpacking again")
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    log("unpacking %s into %s (once)" % (args.source, dst))
    if os.path.isdir(args.source):
        shutil.copytree(args.source, dst, symlinks=True, dirs_exist_ok=True)
    else:
        for tarball in sorted(glob.glob(args.source)):
            subprocess.run("zstd -dc '%s' | tar -x -C '%s'" % (tarball, dst),
                           shell=True, check=True)
    n = count_files(dst)
    if n == 0:
        sys.exit("bench: no files unpacked from %s" % args.source)
    with open(stamp + ".count", "w") as f:
        f.write(str(n))
    with open(stamp, "w") as f:
        f.write(args.source)
    # Stale derived trees would point at the old corpus.
    shutil.rmtree(os.path.join(work, "mu", "maildir"), ignore_errors=True)
    shutil.rmtree(os.path.join(work, "scale"), ignore_errors=True)
    return dst, n


def make_mu_maildir(corpus, work):
    """mu indexes only maildirs (cur/ new/ tmp/).  Every folder of the
    corpus that holds files becomes FOLDER/cur/ with hard links to the same
    inodes, so mu reads the same bytes from the same page cache."""
    dst = os.path.join(work, "mu", "maildir")
    stamp = dst + ".done"
    if os.path.exists(stamp):
        return dst
    shutil.rmtree(dst, ignore_errors=True)
    n = 0
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        files = [f for f in files if os.path.isfile(os.path.join(root, f))]
        if not files:
            continue
        rel = os.path.relpath(root, corpus)
        base = os.path.join(dst, rel)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        for f in files:
            os.link(os.path.join(root, f), os.path.join(base, "cur", f))
            n += 1
    open(stamp, "w").close()
    log("mu: maildir-shaped tree of %d hard links in %s" % (n, dst))
    return dst


def write_configs(corpus, work):
    nm = os.path.join(work, "notmuch")
    os.makedirs(nm, exist_ok=True)
    with open(os.path.join(nm, "config"), "w") as f:
        f.write("[database]\npath=%s\nmail_root=%s\n"
                "[new]\ntags=inbox;\nignore=\n"
                "[maildir]\nsynchronize_flags=false\n"
                "[user]\nname=bench\nprimary_email=bench@example.invalid\n"
                % (os.path.join(nm, "db"), corpus))
    rc = os.path.join(work, "recoll")
    os.makedirs(rc, exist_ok=True)
    with open(os.path.join(rc, "recoll.conf"), "w") as f:
        # Defaults otherwise.  noaspell: the spelling dictionary is built
        # after indexing, is no part of search, and fails without aspell
        # language data for the C locale.
        f.write("topdirs = %s\ndbdir = %s\nnoaspell = 1\n"
                % (corpus, os.path.join(rc, "db")))


def warm_read(paths):
    """Read every byte once so that every tool starts from a warm cache."""
    total = 0
    for p in paths:
        if os.path.isfile(p):
            files = [p]
        else:
            files = [os.path.join(root, name)
                     for root, _dirs, names in os.walk(p) for name in names]
        for fp in files:
            if os.path.islink(fp):
                continue
            with open(fp, "rb") as f:
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    total += len(b)
    return total


# ------------------------------------------------------------------- tools

class Tools:
    def __init__(self, args, work, corpus, nmsg):
        self.args = args
        self.work = work
        self.corpus = corpus
        self.nmsg = nmsg
        self.env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
        self.nm_env = dict(self.env, NOTMUCH_CONFIG=os.path.join(
            work, "notmuch", "config"))
        self.trawl_db = os.path.join(work, "trawl", "trawl.db")
        self.base_db = os.path.join(work, "base", "trawl.db")
        self.nm_db = os.path.join(work, "notmuch", "db")
        self.mu_home = os.path.join(work, "mu", "home")
        self.mu_dir = os.path.join(work, "mu", "maildir")
        self.rc_conf = os.path.join(work, "recoll")
        self.rc_db = os.path.join(work, "recoll", "db")

    def index_path(self, tool):
        return {"trawl": os.path.dirname(self.trawl_db),
                "base": os.path.dirname(self.base_db), "notmuch": self.nm_db,
                "mu": self.mu_home, "recoll": self.rc_db}.get(tool)

    def reset(self, tool):
        """A fresh, empty index."""
        if tool in ("trawl", "base"):
            d = os.path.dirname(self.db(tool))
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        elif tool == "notmuch":
            shutil.rmtree(self.nm_db, ignore_errors=True)
            os.makedirs(self.nm_db)
        elif tool == "mu":
            shutil.rmtree(self.mu_home, ignore_errors=True)
            os.makedirs(self.mu_home)
            subprocess.run(["mu", "init", "--quiet", "--muhome=" + self.mu_home,
                            "--maildir=" + self.mu_dir], env=self.env,
                           check=True, stdout=subprocess.DEVNULL)
        elif tool == "recoll":
            shutil.rmtree(self.rc_db, ignore_errors=True)

    # "base" is an earlier build of trawl (--baseline), measured like trawl
    # in the same rounds so that a change is compared under the same load.
    def bin(self, tool):
        return self.args.baseline if tool == "base" else self.args.trawl

    def db(self, tool):
        return self.base_db if tool == "base" else self.trawl_db

    def ingest_cmd(self, tool):
        if tool in ("trawl", "base"):
            return [self.bin(tool), "ingest", "--archive", self.db(tool),
                    "--progress=none", "--json", self.corpus], self.env
        if tool == "notmuch":
            return ["notmuch", "new", "--quiet"], self.nm_env
        if tool == "mu":
            return ["mu", "index", "--quiet", "--muhome=" + self.mu_home], \
                self.env
        if tool == "recoll":
            return ["recollindex", "-c", self.rc_conf, "-z"], self.env
        if tool == "rg":
            return ["rg", "-c", "--no-ignore", "--hidden", "-uuu", ".",
                    self.corpus], self.env
        raise ValueError(tool)

    def indexed_count(self, tool):
        """How many messages the tool says it indexed (a sanity check that
        every tool saw the whole corpus)."""
        try:
            if tool in ("trawl", "base"):
                out = subprocess.run([self.bin(tool), "stats", "--json",
                                      "--archive", self.db(tool)],
                                     env=self.env, capture_output=True,
                                     text=True).stdout
                for line in out.splitlines():
                    try:
                        o = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(o, dict) and "emails" in o:
                        return o["emails"]
                return None
            if tool == "notmuch":
                out = subprocess.run(["notmuch", "count", "*"], env=self.nm_env,
                                     capture_output=True, text=True).stdout
                return int(out.strip())
            if tool == "mu":
                out = subprocess.run(["mu", "info", "--muhome=" + self.mu_home],
                                     env=self.env, capture_output=True,
                                     text=True).stdout
                m = re.search(r"messages in store\s*\|\s*(\d+)", out)
                return int(m.group(1)) if m else None
            if tool == "recoll":
                out = subprocess.run(["recollq", "-c", self.rc_conf, "-n", "0",
                                      "mime:message/rfc822"], env=self.env,
                                     capture_output=True, text=True)
                m = re.search(r"(\d+) results", out.stdout + out.stderr)
                return int(m.group(1)) if m else None
        except (OSError, ValueError):
            return None
        return None

    # Queries: each tool's default listing of the first LIMIT results.
    def query_cmd(self, tool, q):
        lim = str(self.args.limit)
        if tool in ("trawl", "base"):
            return [self.bin(tool), "search", "--archive", self.db(tool),
                    "--limit", lim, "--", q], self.env
        if tool == "notmuch":
            return ["notmuch", "search", "--limit=" + lim, "--", q], self.nm_env
        if tool == "mu":
            return ["mu", "find", "--muhome=" + self.mu_home,
                    "--maxnum=" + lim, "--", q], self.env
        raise ValueError(tool)

    def hit_count(self, tool, q):
        """Number of matching messages, untimed, to show that the aligned
        queries ask the same thing."""
        if tool in ("trawl", "base"):
            p = subprocess.run([self.bin(tool), "search", "--archive",
                                self.db(tool), "--count", "--", q],
                               env=self.env, capture_output=True, text=True)
            return int(p.stdout.strip()) if p.returncode == 0 else None
        if tool == "notmuch":
            p = subprocess.run(["notmuch", "count", "--", q], env=self.nm_env,
                               capture_output=True, text=True)
            return int(p.stdout.strip()) if p.returncode == 0 else None
        if tool == "mu":
            p = subprocess.run(["mu", "find", "--muhome=" + self.mu_home,
                                "--fields=i", "--", q], env=self.env,
                               capture_output=True, text=True)
            # mu find exits 4 when nothing matched.
            if p.returncode == 4:
                return 0
            if p.returncode != 0:
                return None
            return len([l for l in p.stdout.splitlines() if l.strip()])
        return None


def available_tools(args):
    exe = {"trawl": args.trawl, "notmuch": "notmuch", "mu": "mu",
           "recoll": "recollindex", "rg": "rg"}
    have = []
    for t in args.tools:
        if t == "trawl":
            if os.access(args.trawl, os.X_OK):
                have.append(t)
            else:
                sys.exit("bench: trawl binary %s missing" % args.trawl)
            if args.baseline:
                if not os.access(args.baseline, os.X_OK):
                    sys.exit("bench: baseline binary %s missing"
                             % args.baseline)
                have.append("base")
        elif shutil.which(exe[t]):
            have.append(t)
        else:
            log("SKIP: %s is not installed (%s not found); run bench/run.sh "
                "as root to install it" % (t, exe[t]))
    return have


# ------------------------------------------------------------------ ingest

def phase_ingest(args, tools, have, res):
    log("\n== ingest: %d runs per tool, %d messages, fresh index per run, "
        "warm page cache (nothing dropped between runs)" % (args.runs,
                                                             tools.nmsg))
    runs = {t: [] for t in have}
    for r in range(args.runs):
        for t in have:
            tools.reset(t)
            cmd, env = tools.ingest_cmd(t)
            out = subprocess.PIPE if t in ("trawl", "base") \
                else subprocess.DEVNULL
            m = run_timed(cmd, env=env, stdout=out)
            if m["rc"] != 0:
                log("  %s run %d: exit %d: %s" % (t, r + 1, m["rc"],
                                                  m["stderr"].strip()[-400:]))
                if t in ("trawl", "base"):
                    sys.exit("bench: %s ingest failed; stopping" % t)
            if t in ("trawl", "base") and m.get("stdout"):
                for line in m["stdout"].splitlines():
                    try:
                        o = json.loads(line)
                    except ValueError:
                        continue
                    if o.get("event") == "summary":
                        m["summary"] = o
            m.pop("stdout", None)
            m["index_bytes"] = disk_usage(tools.index_path(t)) \
                if t != "rg" else None
            runs[t].append(m)
            log("  run %d %-8s %7.2f s wall  %7.2f s cpu  %6d MB rss  %s"
                % (r + 1, t, m["wall"], m["cpu"], (m["rss_kb"] or 0) // 1024,
                   "" if m["index_bytes"] is None
                   else "index %d MB" % (m["index_bytes"] // 1000000)))
        note_load(res, "ingest round %d" % (r + 1))
    out = {}
    for t in have:
        ok = [m for m in runs[t] if m["rc"] == 0]
        walls = [m["wall"] for m in ok]
        w = median(walls)
        out[t] = {
            "runs": runs[t],
            "wall_median": w,
            "wall_min": min(walls) if walls else None,
            "cpu_median": median([m["cpu"] for m in ok]),
            "rss_kb_max": max([m["rss_kb"] or 0 for m in ok]) if ok else None,
            "index_bytes": ok[-1]["index_bytes"] if ok else None,
            "msgs_per_s": tools.nmsg / w if w else None,
            "indexed": tools.indexed_count(t) if t != "rg" else None,
        }
    res["ingest"] = out


def print_ingest(res, nmsg):
    ing = res.get("ingest")
    if not ing:
        return
    log("\n== ingest results (%d messages; median of %d runs)"
        % (nmsg, res["args"]["runs"]))
    hdr = "%-8s %9s %9s %9s %9s %10s %9s %9s %11s %11s" % (
        "tool", "wall s", "min s", "cpu s", "msg/s", "peak RSS", "index MB",
        "indexed", "trawl/peer", "(cpu)")
    log(hdr)
    tr = ing.get("trawl", {})
    for t, o in ing.items():
        log("%-8s %9s %9s %9s %9s %7s MB %9s %9s %11s %11s" % (
            t, fmt_s(o["wall_median"]), fmt_s(o["wall_min"]),
            fmt_s(o["cpu_median"]),
            "-" if not o["msgs_per_s"] else "%.0f" % o["msgs_per_s"],
            "-" if o["rss_kb_max"] is None else o["rss_kb_max"] // 1024,
            fmt_mb(o["index_bytes"]),
            "-" if o["indexed"] is None else o["indexed"],
            fmt_ratio(ratio(tr.get("wall_median"), o["wall_median"])),
            fmt_ratio(ratio(tr.get("cpu_median"), o["cpu_median"]))))
    log("trawl/peer < 1 means trawl is faster; rg is the floor (reading "
        "every byte, no index).")


# ------------------------------------------------------------------- query

def load_queries():
    rows = []
    with open(os.path.join(BENCH, "queries.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for n, line in enumerate(f, 2):
            line = line.rstrip("\n")
            if not line:
                continue
            cols = line.split("\t")
            if len(cols) != len(header):
                sys.exit("bench/queries.tsv:%d: %d columns, expected %d"
                         % (n, len(cols), len(header)))
            rows.append(dict(zip(header, cols)))
    with open(os.path.join(BENCH, "queries.txt")) as f:
        txt = [l.rstrip("\n") for l in f if l.strip()]
    if txt != [r["trawl"] for r in rows]:
        sys.exit("bench: queries.txt and the trawl column of queries.tsv "
                 "differ; keep them aligned line by line")
    return rows


def build_qlat(args, work):
    """Build bench/qlat.c against the libtrawl.a next to the trawl binary,
    as it is: neither is rebuilt.  If libtrawl.a is newer than the binary
    (someone rebuilt the library, and the link of trawl failed or has not
    happened yet), the two may disagree, e.g. about the archive schema, and
    the in-process measurement is skipped."""
    bdir = os.path.dirname(os.path.abspath(args.trawl))
    lib = os.path.join(bdir, "libtrawl.a")
    out = os.path.join(work, "qlat")
    if not os.path.exists(lib) or os.path.commonpath([bdir, ROOT]) != ROOT:
        log("  (no libtrawl.a of this tree next to %s: skipping the "
            "in-process trawl measurement)" % args.trawl)
        return None
    if os.path.getmtime(lib) > os.path.getmtime(args.trawl):
        log("  (%s is newer than %s: skipping the in-process trawl "
            "measurement; rebuild trawl to get it)" % (lib, args.trawl))
        return None
    if os.path.exists(out):
        os.unlink(out)
    rel = os.path.relpath(bdir, ROOT)
    p = subprocess.run(["make", "-s", "-f", "bench/qlat.mk", "BUILD=" + rel,
                        "QLAT=" + out, out],
                       cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        log("  qlat build failed, skipping the in-process measurement:\n"
            + p.stderr[-1000:])
        return None
    return out


def phase_query(args, tools, have, res, work):
    qtools = [t for t in QUERY_TOOLS if t in have]
    rows = load_queries()
    log("\n== queries: %d queries x %d timed runs (after 1 warm-up run) on "
        "%s; process per query, first %d results in each tool's default "
        "listing" % (len(rows), args.reps, ", ".join(qtools), args.limit))
    for t in qtools:
        if t not in res.get("ingest", {}):
            # No ingest phase in this invocation: build the index once.
            tools.reset(t)
            cmd, env = tools.ingest_cmd(t)
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)
    # The baseline is trawl: it asks trawl's queries.
    def qtext(r, t):
        return r["trawl" if t == "base" else t]
    counts = {t: [tools.hit_count(t, qtext(r, t)) for r in rows]
              for t in qtools}
    samples = {t: [[] for _ in rows] for t in qtools}
    fails = {t: 0 for t in qtools}
    for rep in range(args.reps + 1):
        for i, r in enumerate(rows):
            for t in qtools:
                cmd, env = tools.query_cmd(t, qtext(r, t))
                t0 = time.monotonic_ns()
                p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
                dt = (time.monotonic_ns() - t0) / 1e9
                # mu find exits 4 for "no matches".
                if p.returncode not in (0, 4 if t == "mu" else 0):
                    fails[t] += 1
                if rep > 0:
                    samples[t][i].append(dt)
        if rep == 0:
            note_load(res, "queries warm-up")
    note_load(res, "queries done")
    # What starting the program costs by itself: the floor under every
    # process-per-query figure.
    start_cmd = {"trawl": [args.trawl, "--version"],
                 "base": [args.baseline, "--version"],
                 "notmuch": ["notmuch", "--version"],
                 "mu": ["mu", "--version"]}
    startup = {t: [] for t in qtools}
    for rep in range(args.reps * 4 + 1):
        for t in qtools:
            t0 = time.monotonic_ns()
            subprocess.run(start_cmd[t], env=tools.env,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            if rep > 0:
                startup[t].append((time.monotonic_ns() - t0) / 1e9)
    lib = None
    if "trawl" in qtools and not args.no_qlat:
        qlat = args.qlat_bin
        if qlat:
            p = subprocess.run([qlat, tools.trawl_db,
                                os.path.join(BENCH, "queries.txt"),
                                str(args.reps), str(args.limit)],
                               env=tools.env, capture_output=True, text=True)
            if p.returncode == 0:
                lib = [[] for _ in rows]
                for line in p.stdout.splitlines():
                    qi, rep, ns, _tot = line.split("\t")
                    if int(rep) > 0:
                        lib[int(qi)].append(int(ns) / 1e9)
            else:
                log("  qlat failed: " + p.stderr[-500:])
    out = {"queries": [], "tools": {}}
    for i, r in enumerate(rows):
        q = {"kind": r["kind"]}
        for t in qtools:
            q[t] = {"query": qtext(r, t), "hits": counts[t][i],
                    "median_s": median(samples[t][i])}
        if lib:
            q["trawl_lib"] = {"median_s": median(lib[i])}
        out["queries"].append(q)
    series = {t: samples[t] for t in qtools}
    if lib:
        series["trawl-lib"] = lib
    for t, per_q in series.items():
        allv = [x for xs in per_q for x in xs]
        out["tools"][t] = {"p50_s": pct(allv, 50), "p95_s": pct(allv, 95),
                           "max_s": max(allv) if allv else None,
                           "samples": len(allv),
                           "failed_runs": fails.get(t, 0),
                           "startup_p50_s": median(startup.get(t, []))}
    res["query"] = out


def print_query(res):
    qr = res.get("query")
    if not qr:
        return
    tl = qr["tools"]
    log("\n== query latency (ms; all queries x runs pooled)")
    log("%-10s %8s %8s %8s %8s %9s %15s %15s" % (
        "tool", "p50", "p95", "max", "samples", "startup",
        "trawl/peer p50", "trawl/peer p95"))
    tr = tl.get("trawl", {})
    for t, o in tl.items():
        log("%-10s %8s %8s %8s %8d %9s %15s %15s" % (
            t, fmt_ms(o["p50_s"]), fmt_ms(o["p95_s"]), fmt_ms(o["max_s"]),
            o["samples"], fmt_ms(o.get("startup_p50_s")),
            fmt_ratio(ratio(tr.get("p50_s"), o["p50_s"])),
            fmt_ratio(ratio(tr.get("p95_s"), o["p95_s"]))))
    log("startup = median time of `TOOL --version` (process start, no "
        "query);\ntrawl-lib = trawl_search() inside one process "
        "(bench/qlat.c), no process start or archive open.")
    shown = [t for t in QUERY_TOOLS if t in tl]
    log("\nper query: hits (%s) and median ms" % "/".join(shown))
    for i, q in enumerate(qr["queries"]):
        hits = "/".join("-" if q.get(t) is None or q[t]["hits"] is None
                        else str(q[t]["hits"]) for t in QUERY_TOOLS if t in q)
        ms = " ".join("%s=%s" % (t[0], fmt_ms(q[t]["median_s"]))
                      for t in QUERY_TOOLS if t in q)
        if "trawl_lib" in q:
            ms += " lib=%s" % fmt_ms(q["trawl_lib"]["median_s"])
        log("%3d %-9s %-20s %s  %s" % (i + 1, q["kind"], hits, ms,
                                       q["trawl"]["query"] if "trawl" in q
                                       else ""))


# ----------------------------------------------------------------- scaling

def make_copies(corpus, work, n):
    """WORK/scale/copyK: the corpus with 'X-Bench-Copy: K' as a first header
    line in every file, so that each copy is new content to trawl."""
    dirs = []
    for k in range(1, n + 1):
        d = os.path.join(work, "scale", "copy%d" % k)
        dirs.append(d)
        if os.path.exists(d + ".done"):
            continue
        shutil.rmtree(d, ignore_errors=True)
        head = ("X-Bench-Copy: %d\r\n" % k).encode()
        for root, _dirs, files in os.walk(corpus):
            rel = os.path.relpath(root, corpus)
            os.makedirs(os.path.join(d, rel), exist_ok=True)
            for name in files:
                src = os.path.join(root, name)
                if os.path.islink(src):
                    continue
                with open(src, "rb") as f:
                    data = f.read()
                with open(os.path.join(d, rel, name), "wb") as f:
                    f.write(head)
                    f.write(data)
        open(d + ".done", "w").close()
    return dirs


def phase_scaling(args, tools, res, work):
    factors = [1, 2, 4]
    log("\n== scaling: trawl on 1x, 2x, 4x copies (%d run%s each, fresh "
        "archive)" % (args.scale_runs, "" if args.scale_runs == 1 else "s"))
    dirs = make_copies(tools.corpus, work, max(factors))
    warm_read(dirs)
    db = os.path.join(work, "scale", "trawl.db")
    out = []
    for f in factors:
        ms = []
        for _ in range(args.scale_runs):
            for suf in ("", "-wal", "-shm"):
                if os.path.exists(db + suf):
                    os.unlink(db + suf)
            cmd = [args.trawl, "ingest", "--archive", db, "--progress=none",
                   "--json"] + dirs[:f]
            m = run_timed(cmd, env=tools.env, stdout=subprocess.PIPE)
            m.pop("stdout", None)
            m["index_bytes"] = sum(disk_usage(db + s) for s in
                                   ("", "-wal", "-shm"))
            ms.append(m)
        n = tools.nmsg * f
        w = median([m["wall"] for m in ms])
        c = median([m["cpu"] for m in ms])
        o = {"factor": f, "messages": n, "wall_s": w, "cpu_s": c,
             "us_per_msg": w / n * 1e6, "cpu_us_per_msg": c / n * 1e6,
             "rss_kb": max(m["rss_kb"] or 0 for m in ms),
             "index_bytes": ms[-1]["index_bytes"],
             "rc": [m["rc"] for m in ms]}
        out.append(o)
        log("  %dx %7d msgs  %7.2f s  %6.0f us/msg wall  %6.0f us/msg cpu  "
            "%5d MB rss  index %d MB" % (f, n, w, o["us_per_msg"],
                                        o["cpu_us_per_msg"],
                                        o["rss_kb"] // 1024,
                                        o["index_bytes"] // 1000000))
    for s in ("", "-wal", "-shm"):
        if os.path.exists(db + s):
            os.unlink(db + s)
    note_load(res, "scaling")
    res["scaling"] = out


# ------------------------------------------------------------------ memory

def phase_memory(args, tools, res, work):
    mem = os.path.join(work, "mem")
    os.makedirs(mem, exist_ok=True)
    out = {}
    mbox = os.path.join(mem, "synthetic-2g.mbox")
    zipf = os.path.join(mem, "small-files-100k.zip")
    gens = [
        ("mbox", mbox, [sys.executable, os.path.join(BENCH, "gen_mbox.py"),
                        "--bytes", str(args.mbox_bytes), "--out", mbox]),
        ("zip", zipf, [sys.executable, os.path.join(BENCH, "gen_zip.py"),
                       "--files", str(args.zip_files), "--out", zipf]),
    ]
    log("\n== memory: trawl on a generated %.1f GB mbox and a zip of %d "
        "small files" % (args.mbox_bytes / 1e9, args.zip_files))
    for name, path, gen in gens:
        want = " ".join(gen[2:])
        stamp = path + ".args"
        if not (os.path.exists(path) and os.path.exists(stamp)
                and open(stamp).read() == want):
            log("  generating %s" % path)
            t0 = time.monotonic()
            subprocess.run(gen, check=True)
            with open(stamp, "w") as f:
                f.write(want)
            log("  generated in %.0f s" % (time.monotonic() - t0))
        warm_read([path])
        db = os.path.join(mem, "trawl-%s.db" % name)
        for s in ("", "-wal", "-shm"):
            if os.path.exists(db + s):
                os.unlink(db + s)
        cmd = [args.trawl, "ingest", "--archive", db, "--progress=none",
               "--json", path]
        m = run_timed(cmd, env=tools.env, stdout=subprocess.PIPE)
        summary = None
        for line in (m.pop("stdout", "") or "").splitlines():
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("event") == "summary":
                summary = o
        size = os.path.getsize(path)
        o = {"input_bytes": size, "wall_s": m["wall"], "cpu_s": m["cpu"],
             "rss_kb": m["rss_kb"], "rc": m["rc"], "summary": summary,
             "mb_per_s": size / 1e6 / m["wall"],
             "index_bytes": sum(disk_usage(db + s)
                                for s in ("", "-wal", "-shm")),
             "rss_target_ok": (m["rss_kb"] or 0) < 512 * 1024}
        if summary:
            o["items_per_s"] = (summary.get("items") or 0) / m["wall"]
        if m["rc"] != 0:
            o["stderr"] = m["stderr"][-1000:]
        out[name] = o
        log("  %-4s %6.0f MB in %7.1f s (%.1f MB/s, %s items/s)  peak RSS "
            "%d MB (%s 512 MB)  index %d MB  exit %d" % (
                name, size / 1e6, m["wall"], o["mb_per_s"],
                "%.0f" % o["items_per_s"] if "items_per_s" in o else "-",
                (m["rss_kb"] or 0) // 1024,
                "under" if o["rss_target_ok"] else "OVER",
                o["index_bytes"] // 1000000, m["rc"]))
        if summary:
            log("       summary: " + json.dumps(summary))
        if not args.keep_memory_archives:
            for s in ("", "-wal", "-shm"):
                if os.path.exists(db + s):
                    os.unlink(db + s)
    note_load(res, "memory")
    res["memory"] = out


# -------------------------------------------------------------------- perf

def phase_perf(args, tools, res, work):
    if not shutil.which("perf"):
        log("SKIP: perf not installed (apt-get install linux-perf)")
        return
    log("\n== perf: one trawl ingest under perf record")
    pdir = os.path.join(work, "perf")
    os.makedirs(pdir, exist_ok=True)
    data = os.path.join(pdir, "perf.data")
    tools.reset("trawl")
    t0 = time.monotonic()
    p = subprocess.run(["perf", "record", "-F", str(args.perf_freq), "-g",
                        "-o", data, "--", args.trawl, "ingest", "--archive",
                        tools.trawl_db, "--progress=none", tools.corpus],
                       env=tools.env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        log("  perf record failed: " + p.stderr[-500:])
        return
    out = {"wall_s": wall}
    for key, sort in (("by_module", "dso"), ("by_symbol", "dso,sym"),
                      ("by_thread", "pid"), ("by_thread_module", "pid,dso")):
        rep = subprocess.run(["perf", "report", "-i", data, "--no-children",
                              "--sort", sort, "--stdio", "--percent-limit",
                              "0.5", "-g", "none", "-n"], capture_output=True,
                             text=True).stdout
        rows = []
        for line in rep.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+(\d+)\s+(.*\S)", line)
            if m:
                # Samples at a fixed frequency approximate CPU seconds.
                rows.append([float(m.group(1)),
                             re.sub(r"\s+", " ", m.group(3)),
                             int(m.group(2)) / float(args.perf_freq)])
        out[key] = rows[:40]
        with open(os.path.join(args.results, "perf-%s.txt" % key), "w") as f:
            f.write(rep)
    res["perf"] = out
    log("  (ingest under perf: %.1f s wall)" % wall)
    log("  self time by module (threads together):")
    for pc, name, sec in out["by_module"][:12]:
        log("    %5.1f%%  %6.1f s  %s" % (pc, sec, name))
    log("  top symbols:")
    for pc, name, sec in out["by_symbol"][:25]:
        log("    %5.1f%%  %6.1f s  %s" % (pc, sec, name))
    log("  by thread (CPU seconds ~ samples / frequency; a thread near the "
        "wall time is the bottleneck):")
    for pc, name, sec in out["by_thread"][:8]:
        log("    %5.1f%%  %6.1f s  %s" % (pc, sec, name))
    log("  by thread and module:")
    for pc, name, sec in out["by_thread_module"][:16]:
        log("    %5.1f%%  %6.1f s  %s" % (pc, sec, name))
    log("  full reports: %s/perf-*.txt" % args.results)


# -------------------------------------------------------------------- main

def versions(have, trawl):
    v = {}
    cmds = {"trawl": [trawl, "--version"], "notmuch": ["notmuch", "--version"],
            "base": [BASELINE, "--version"],
            "mu": ["mu", "--version"], "recoll": ["recollq", "-v"],
            "rg": ["rg", "--version"]}
    for t in have:
        try:
            p = subprocess.run(cmds[t], capture_output=True, text=True)
            v[t] = (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            v[t] = None
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trawl", default=os.path.join(ROOT, "build", "trawl"),
                    help="the trawl binary (default build/trawl)")
    ap.add_argument("--baseline", default=None,
                    help="an earlier trawl binary, measured beside trawl in "
                    "the same ingest and query rounds (the 'base' rows)")
    ap.add_argument("--work", default=os.path.join(BENCH, "work"),
                    help="corpus copy and indexes (default bench/work)")
    ap.add_argument("--results", default=os.path.join(BENCH, "results"),
                    help="latest.json, latest.txt, perf reports "
                    "(default bench/results)")
    ap.add_argument("--source", default=os.path.join(
        os.path.dirname(ROOT), "shared", "corpora", "enron-maildir",
        "*.tar.zst"), help="corpus: tar.zst glob or a directory")
    ap.add_argument("--tools", default=",".join(PEERS),
                    help="comma-separated subset of %(default)s "
                    "(trawl is always measured)")
    ap.add_argument("--runs", type=int, default=3,
                    help="ingest rounds, fresh index each (default 3)")
    ap.add_argument("--reps", type=int, default=5,
                    help="timed runs of each query after one warm-up "
                    "(default 5)")
    ap.add_argument("--limit", type=int, default=20,
                    help="results each query lists (default 20)")
    ap.add_argument("--scale-runs", type=int, default=1,
                    help="runs of each scaling step (default 1)")
    ap.add_argument("--no-ingest", action="store_true",
                    help="skip the ingest comparison")
    ap.add_argument("--no-query", action="store_true",
                    help="skip the query latency comparison")
    ap.add_argument("--no-qlat", action="store_true",
                    help="skip trawl queries in one process (bench/qlat.c)")
    ap.add_argument("--no-scaling", action="store_true",
                    help="skip the 1x/2x/4x scaling check")
    ap.add_argument("--memory", action="store_true",
                    help="also the 2 GB mbox and 100,000-file zip ingests")
    ap.add_argument("--memory-only", action="store_true",
                    help="only the memory check")
    ap.add_argument("--mbox-bytes", type=int, default=2 * 1000 ** 3,
                    help="size of the generated mbox (default 2 GB)")
    ap.add_argument("--zip-files", type=int, default=100000,
                    help="members of the generated zip (default 100000)")
    ap.add_argument("--keep-memory-archives", action="store_true",
                    help="keep the archives of the memory check")
    ap.add_argument("--perf", action="store_true",
                    help="perf record one trawl ingest, summarise by module, "
                    "symbol and thread")
    ap.add_argument("--perf-freq", type=int, default=999,
                    help="perf sampling frequency in Hz (default 999)")
    args = ap.parse_args()
    global BASELINE
    BASELINE = args.baseline
    args.tools = [t for t in args.tools.split(",") if t]
    for t in args.tools:
        if t not in PEERS:
            ap.error("unknown tool %r (known: %s)" % (t, ", ".join(PEERS)))
    if "trawl" not in args.tools:
        args.tools.insert(0, "trawl")
    if args.runs < 1 or args.reps < 1:
        ap.error("--runs and --reps must be at least 1")
    if args.memory_only:
        args.memory = True
        args.no_ingest = args.no_query = args.no_scaling = True
    work = os.path.abspath(args.work)
    args.results = os.path.abspath(args.results)
    os.makedirs(work, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    global LOG
    LOG = open(os.path.join(args.results, "latest.txt"), "w")

    started = time.monotonic()
    res = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "host": {"cpus": os.cpu_count(), "kernel": platform.release()},
           "args": {k: v for k, v in vars(args).items()}, "load": [],
           "cache": "warm: one read of every input before the runs, nothing "
                    "dropped from the page cache between runs"}
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                              cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--short", "--", "lib",
                                "cli", "include"], cwd=ROOT,
                               capture_output=True, text=True).stdout
        res["git"] = {"head": head,
                      "modified_source_files": len(dirty.splitlines())}
    except OSError:
        res["git"] = None
    # The tree may have moved since the binary was built: record both.
    res["trawl_built"] = time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(args.trawl))) \
        if os.path.exists(args.trawl) else None
    log("bench: trawl=%s (built %s; tree now %s) work=%s" % (
        args.trawl, res["trawl_built"], res["git"] and "%s + %d modified "
        "files" % (res["git"]["head"], res["git"]["modified_source_files"]),
        work))
    note_load(res, "start")
    have = available_tools(args)
    res["versions"] = versions(have, args.trawl)
    for t, v in res["versions"].items():
        log("  %-8s %s" % (t, v))

    corpus, nmsg = unpack_corpus(args, work)
    res["corpus"] = {"source": args.source, "dir": corpus, "messages": nmsg,
                     "bytes": disk_usage(corpus)}
    log("corpus: %d files, %d MB on disk, in %s" % (
        nmsg, res["corpus"]["bytes"] // 1000000, corpus))
    tools = Tools(args, work, corpus, nmsg)
    warm = [corpus]
    if "mu" in have:
        make_mu_maildir(corpus, work)
        warm.append(tools.mu_dir)
    write_configs(corpus, work)
    args.qlat_bin = None
    if not args.no_query and not args.no_qlat:
        args.qlat_bin = build_qlat(args, work)
    if not (args.no_ingest and args.no_query):
        log("warm-up read of every file ...")
        warm_read(warm)

    if not args.no_ingest:
        phase_ingest(args, tools, have, res)
        print_ingest(res, nmsg)
    if not args.no_query:
        phase_query(args, tools, have, res, work)
        print_query(res)
    if not args.no_scaling:
        phase_scaling(args, tools, res, work)
    if args.perf:
        phase_perf(args, tools, res, work)
    if args.memory:
        phase_memory(args, tools, res, work)

    note_load(res, "end")
    res["elapsed_s"] = time.monotonic() - started
    summary_lines(res)
    path = os.path.join(args.results, "latest.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    shutil.copy(path, os.path.join(args.results, "bench-%s.json" % stamp))
    log("\nJSON summary: %s (total %.0f s)" % (path, res["elapsed_s"]))


def summary_lines(res):
    """The headline ratios, again, at the end of a long output."""
    log("\n== summary")
    la = [x["loadavg"][0] for x in res["load"]]
    log("load average (1 min) during the run: min %.2f, max %.2f on %d "
        "cores (machine shared: wall times include waiting for CPU)"
        % (min(la), max(la), res["host"]["cpus"]))
    ing = res.get("ingest", {})
    tr = ing.get("trawl")
    if tr:
        for t, o in ing.items():
            if t == "trawl":
                continue
            log("ingest trawl/%-7s wall %s  cpu %s" % (
                t, fmt_ratio(ratio(tr["wall_median"], o["wall_median"])),
                fmt_ratio(ratio(tr["cpu_median"], o["cpu_median"]))))
    qt = res.get("query", {}).get("tools", {})
    if "trawl" in qt:
        for t, o in qt.items():
            if t == "trawl":
                continue
            # trawl-lib is trawl too: that line is the cost of a process
            # per query, not a comparison with a peer.
            log("query  %-17s p50 %s  p95 %s" % (
                "process/library" if t == "trawl-lib" else "trawl/" + t,
                fmt_ratio(ratio(qt["trawl"]["p50_s"], o["p50_s"])),
                fmt_ratio(ratio(qt["trawl"]["p95_s"], o["p95_s"]))))
    for o in res.get("scaling", []):
        log("scaling %dx: %.0f us/msg wall, %.0f us/msg cpu" % (
            o["factor"], o["us_per_msg"], o["cpu_us_per_msg"]))
    for name, o in res.get("memory", {}).items():
        log("memory %s: peak RSS %d MB, %.1f MB/s" % (
            name, (o["rss_kb"] or 0) // 1024, o["mb_per_s"]))


if __name__ == "__main__":
    main()
