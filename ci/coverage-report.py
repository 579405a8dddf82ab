#!/usr/bin/env python3
"""The report of ci/coverage (which runs it; see docs/COVERAGE.md).

Reads gcov's JSON (gcc 12: `gcov --json-format --stdout`) for lwIP's
tcp.c, tcp_in.c, tcp_out.c and llvm-cov's lcov export for tcp-rust, and
prints line and branch coverage per file, in total and per function (lwIP),
line coverage per file and in total (tcp-rust); optionally the uncovered
lines with their source (--uncovered) and the numbers as JSON (--json).

lwIP branches are gcov's: each arc out of a basic block that ends in a
condition; a branch is covered when it was taken at least once. Branches on
the lines of an LWIP_ASSERT(...) invocation (all the lines it spans) are
counted apart, and so are those of LWIP_ERROR(...): the headline branch
number excludes LWIP_ASSERT only; the report shows all three.
"""

import argparse
import json
import os
import re
import sys

LWIP_FILES = ("tcp.c", "tcp_in.c", "tcp_out.c")
MACRO = re.compile(r"\b(LWIP_ASSERT|LWIP_ERROR)\s*\(")


def fail(msg):
    print(f"ci/coverage: error: {msg}", file=sys.stderr)
    sys.exit(1)


def pct(cov, tot):
    return 100.0 * cov / tot if tot else None


def frac(cov, tot, width=5):
    if not tot:
        return "-"
    return f"{cov:>{width}}/{tot:<{width}} {pct(cov, tot):5.1f} %"


def rounded(cov, tot):
    p = pct(cov, tot)
    return {"covered": cov, "total": tot, "percent": None if p is None else round(p, 2)}


def macro_lines(src_lines):
    """{line_number: 'assert'|'error'} for every line an LWIP_ASSERT(...) or
    LWIP_ERROR(...) invocation spans (from its name to its closing paren)."""
    kinds = {}
    text = "\n".join(src_lines)
    starts = [0]
    for line in src_lines:
        starts.append(starts[-1] + len(line) + 1)

    def line_of(pos):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    for m in MACRO.finditer(text):
        kind = "assert" if m.group(1) == "LWIP_ASSERT" else "error"
        depth, i, in_str = 1, m.end(), None
        while i < len(text) and depth:
            c = text[i]
            if in_str:
                if c == "\\":
                    i += 1
                elif c == in_str:
                    in_str = None
            elif c in "\"'":
                in_str = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            i += 1
        for n in range(line_of(m.start()), line_of(i - 1) + 1):
            kinds[n] = kind
    return kinds


def load_gcov(paths):
    """{basename: {"path", "lines": {n: {"count", "branches", "function"}},
    "functions": {...}}} for the three lwIP files."""
    files = {}
    for p in paths:
        try:
            with open(p) as f:
                docs = [json.loads(line) for line in f if line.strip()]
        except (OSError, ValueError) as e:
            fail(f"reading gcov output {p}: {e}")
        for doc in docs:
            for fd in doc.get("files", []):
                base = os.path.basename(fd["file"])
                if base not in LWIP_FILES or "/core/" not in fd["file"].replace("\\", "/"):
                    continue
                entry = files.setdefault(base, {"path": fd["file"], "lines": {}, "functions": {}})
                for ln in fd["lines"]:
                    e = entry["lines"].setdefault(
                        ln["line_number"],
                        {"count": 0, "branches": [], "function": ln.get("function_name", "")},
                    )
                    e["count"] += ln["count"]
                    e["branches"] += [b["count"] for b in ln["branches"]]
                for fn in fd["functions"]:
                    entry["functions"][fn["name"]] = {
                        "start": fn["start_line"],
                        "end": fn["end_line"],
                        "calls": fn["execution_count"],
                    }
    missing = [f for f in LWIP_FILES if f not in files]
    if missing:
        fail(f"gcov reported nothing for {', '.join(missing)}")
    return files


def union(builds):
    """One files dict for several builds of the same sources (the profiles:
    `ci/coverage --profiles`): a line counts where any build has code on
    it, covered when any build ran it; its branches are gcov's arcs by
    their index on the line (the most any build has), each covered when
    it was taken in a build that has it; a function's calls are summed."""
    out = {}
    for files in builds:
        for base, entry in files.items():
            u = out.setdefault(base, {"path": entry["path"], "lines": {}, "functions": {}})
            for n, ln in entry["lines"].items():
                e = u["lines"].setdefault(n, {"count": 0, "branches": [], "function": ln["function"]})
                e["count"] += ln["count"]
                br = ln["branches"]
                if len(br) > len(e["branches"]):
                    e["branches"] += [0] * (len(br) - len(e["branches"]))
                for i, c in enumerate(br):
                    e["branches"][i] += c
            for name, fn in entry["functions"].items():
                f = u["functions"].setdefault(name, dict(fn, calls=0))
                f["calls"] += fn["calls"]
    return out


class Tally:
    """Lines and branches (all, LWIP_ASSERT, LWIP_ERROR, other)."""

    def __init__(self):
        self.lines = [0, 0]
        self.br = {k: [0, 0] for k in ("assert", "error", "other")}

    def add_line(self, count, branches, kind):
        self.lines[0] += count > 0
        self.lines[1] += 1
        b = self.br[kind or "other"]
        b[0] += sum(1 for c in branches if c > 0)
        b[1] += len(branches)

    def add(self, other):
        for i in range(2):
            self.lines[i] += other.lines[i]
            for k in self.br:
                self.br[k][i] += other.br[k][i]

    def branches(self, *kinds):
        return [sum(self.br[k][i] for k in kinds) for i in range(2)]

    def headline(self):  # excluding LWIP_ASSERT
        return self.branches("other", "error")

    def all(self):
        return self.branches("other", "error", "assert")

    def to_json(self):
        def d(cov_tot):
            return rounded(*cov_tot)

        return {
            "lines": d(self.lines),
            "branches_excluding_assert": d(self.headline()),
            "branches_all": d(self.all()),
            "branches_excluding_assert_and_error": d(self.branches("other")),
            "branches_on_lwip_assert_lines": d(self.br["assert"]),
            "branches_on_lwip_error_lines": d(self.br["error"]),
        }


def analyse_lwip(files):
    out = {}
    for base in LWIP_FILES:
        entry = files[base]
        try:
            with open(entry["path"], newline=None) as f:
                src = f.read().split("\n")
        except OSError as e:
            fail(f"reading {entry['path']}: {e}")
        kinds = macro_lines(src)
        tally = Tally()
        per_fn = {}
        uncovered, partial = [], []
        for n in sorted(entry["lines"]):
            ln = entry["lines"][n]
            kind = kinds.get(n)
            tally.add_line(ln["count"], ln["branches"], kind)
            per_fn.setdefault(ln["function"], Tally()).add_line(ln["count"], ln["branches"], kind)
            text = src[n - 1].rstrip() if n - 1 < len(src) else ""
            if ln["count"] == 0:
                uncovered.append((n, text))
            elif any(c == 0 for c in ln["branches"]):
                taken = sum(1 for c in ln["branches"] if c > 0)
                partial.append((n, taken, len(ln["branches"]), kind, text))
        fns = []
        for name, t in per_fn.items():
            meta = entry["functions"].get(name, {})
            fns.append((meta.get("start", 0), name, meta.get("calls", 0), t))
        fns.sort(key=lambda x: x[0])
        out[base] = {"path": entry["path"], "tally": tally, "functions": fns,
                     "uncovered": uncovered, "partial": partial}
    return out


def load_lcov(path, root):
    files = {}
    cur = None
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("SF:"):
                    cur = files.setdefault(os.path.relpath(line[3:], root), {})
                elif line.startswith("DA:") and cur is not None:
                    n, c = line[3:].split(",")[:2]
                    cur[int(n)] = max(cur.get(int(n), 0), int(c))
                elif line == "end_of_record":
                    cur = None
    except (OSError, ValueError) as e:
        fail(f"reading {path}: {e}")
    if not files:
        fail("llvm-cov reported no tcp-rust source file: was tcp-rust instrumented?")
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gcov", nargs="+", action="append", required=True,
                    help="one build's gcov JSON files; repeated: the full profile's "
                    "first, then the other profiles' builds, reported summed")
    ap.add_argument("--lcov", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--meta", nargs="*", default=[])
    ap.add_argument("--uncovered", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    meta = dict(m.split("=", 1) for m in a.meta)

    builds = [load_gcov(g) for g in a.gcov]
    lwip = analyse_lwip(union(builds))
    full_alone = analyse_lwip(builds[0]) if len(builds) > 1 else None
    rust = load_lcov(a.lcov, a.root)
    total = Tally()
    for base in LWIP_FILES:
        total.add(lwip[base]["tally"])

    p = print
    p(f"Coverage of: {meta.get('paths', '?')} on c,rust ({meta.get('cases', '')})")
    if meta.get("fuzz", "none") != "none":
        p(f"Fuzz corpora:{meta['fuzz']}")
    p()
    p(f"lwIP 2.2.1 TCP (gcc {meta.get('gcc', '?')} --coverage -O0; gcov). Lines: lines with code")
    p("(compiled-out code has none). Branches: gcov's arcs, covered = taken at least once.")
    p("Headline branches exclude those on LWIP_ASSERT(...) lines; LWIP_ERROR(...) lines are in it.")
    p()
    hdr = f"{'file':<10} {'lines':>21}   {'branches excl. ASSERT':>21}   {'branches, all':>21}   {'on LWIP_ASSERT':>21}   {'on LWIP_ERROR':>21}"
    p(hdr)
    p("-" * len(hdr))

    def row(name, t):
        p(f"{name:<10} {frac(*t.lines):>21}   {frac(*t.headline()):>21}   {frac(*t.all()):>21}   "
          f"{frac(*t.br['assert']):>21}   {frac(*t.br['error']):>21}")

    for base in LWIP_FILES:
        row(base, lwip[base]["tally"])
    row("total", total)
    p(f"{'':<10} branches excluding both LWIP_ASSERT and LWIP_ERROR lines: {frac(*total.branches('other'))}")
    p()
    newly = []
    if full_alone is not None:
        ftot = Tally()
        for base in LWIP_FILES:
            ftot.add(full_alone[base]["tally"])
        p(f"Summed over {len(builds)} builds of the profiles ({meta.get('profiles', '?')}); "
          "the full profile's build alone:")
        row("full", ftot)
        row("summed", total)
        for base in LWIP_FILES:
            fcalls = {name: calls for _, name, calls, _ in full_alone[base]["functions"]}
            for start, name, calls, _ in lwip[base]["functions"]:
                if calls > 0 and fcalls.get(name, 0) == 0:
                    newly.append((base, name, start, name in fcalls))
        p("Functions the other profiles reach and the full profile's cases do not"
          " (compiled out of full: *):")
        for base, name, start, in_full in newly:
            p(f"    {base}:{name} (line {start}){'' if in_full else ' *'}")
        if not newly:
            p("    none")
        p()
    p("Per function (lines; branches excluding LWIP_ASSERT lines; calls):")
    for base in LWIP_FILES:
        p(f"  {base}")
        for start, name, calls, t in lwip[base]["functions"]:
            bc, bt = t.headline()
            br = frac(bc, bt, 3)
            p(f"    {name:<34} line {start:>5}  {frac(*t.lines, 3)}   {br:>15}   calls {calls}")
    p()
    allfns = [(t.lines[1] - t.lines[0], base, name, t)
              for base in LWIP_FILES for _, name, _, t in lwip[base]["functions"]]
    allfns.sort(key=lambda x: (-x[0], x[1], x[2]))
    p("Functions with the most uncovered lines:")
    for miss, base, name, t in allfns[:15]:
        if miss == 0:
            break
        p(f"    {miss:>4} uncovered of {t.lines[1]:>4}  {base}:{name}")
    p()

    p("tcp-rust (rustc -C instrument-coverage; llvm-cov). Lines: llvm-cov's lines with code")
    p("(a line counts when a code region covers it); files compiled only for tests are excluded.")
    p()
    rtot = [0, 0]
    rfiles = {}
    p(f"{'file':<28} {'lines':>21}")
    p("-" * 50)
    for path in sorted(rust):
        da = rust[path]
        c = sum(1 for v in da.values() if v > 0)
        rfiles[path] = (c, len(da))
        rtot[0] += c
        rtot[1] += len(da)
        p(f"{path:<28} {frac(c, len(da)):>21}")
    p(f"{'total':<28} {frac(*rtot):>21}")

    if a.uncovered:
        p()
        p("=" * 70)
        for base in LWIP_FILES:
            L = lwip[base]
            p(f"{base}: {len(L['uncovered'])} uncovered lines ({L['path']})")
            for n, text in L["uncovered"]:
                p(f"  {n:>5}: {text}")
            p(f"{base}: {len(L['partial'])} executed lines with an untaken branch (taken/branches)")
            for n, taken, nb, kind, text in L["partial"]:
                tag = {"assert": " ASSERT", "error": " ERROR"}.get(kind, "")
                p(f"  {n:>5} [{taken}/{nb}{tag}]: {text}")
            p()
        for path in sorted(rust):
            miss = sorted(n for n, v in rust[path].items() if v == 0)
            p(f"{path}: {len(miss)} uncovered lines")
            try:
                with open(os.path.join(a.root, path)) as f:
                    src = f.read().split("\n")
            except OSError:
                src = []
            for n in miss:
                p(f"  {n:>5}: {src[n - 1].rstrip() if n - 1 < len(src) else ''}")
            p()

    if a.json:
        doc = {
            "meta": meta,
            "lwip": {
                "files": {
                    base: dict(
                        path=lwip[base]["path"],
                        **lwip[base]["tally"].to_json(),
                        functions=[
                            dict(name=name, file=base, start_line=start, calls=calls, **t.to_json())
                            for start, name, calls, t in lwip[base]["functions"]
                        ],
                        uncovered_lines=[n for n, _ in lwip[base]["uncovered"]],
                        lines_with_untaken_branches=[
                            dict(line=n, taken=tk, branches=nb, macro=kind)
                            for n, tk, nb, kind, _ in lwip[base]["partial"]
                        ],
                    )
                    for base in LWIP_FILES
                },
                "total": total.to_json(),
            },
            "tcp_rust": {
                "files": {
                    path: dict(
                        lines=rounded(c, t),
                        uncovered_lines=sorted(n for n, v in rust[path].items() if v == 0),
                    )
                    for path, (c, t) in rfiles.items()
                },
                "total": {"lines": rounded(*rtot)},
            },
        }
        if full_alone is not None:
            ftot = Tally()
            for base in LWIP_FILES:
                ftot.add(full_alone[base]["tally"])
            doc["lwip"]["builds"] = len(builds)
            doc["lwip"]["full_profile_alone"] = ftot.to_json()
            doc["lwip"]["functions_reached_beyond_full"] = [
                dict(file=base, name=name, start_line=start, compiled_in_full=in_full)
                for base, name, start, in_full in newly
            ]
        try:
            os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
            with open(a.json, "w") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
        except OSError as e:
            fail(f"writing {a.json}: {e}")


if __name__ == "__main__":
    main()
