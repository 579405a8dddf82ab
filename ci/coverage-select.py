#!/usr/bin/env python3
"""Greedy selection of scripts by the lwIP coverage they add (ci/coverage --select).

Given the coverage of a base corpus (gcov JSON of tcp.c via unity_tcp,
tcp_in.c, tcp_out.c) and candidate scripts, runs each candidate alone on the
instrumented tcpdiff (engines c,c: only lwIP's coverage counts here), reads
its coverage with gcov, and keeps it when it executes a line or takes a
branch that neither the base corpus nor an earlier kept candidate does.
Kept scripts are copied to the output directory; one line per candidate on
stdout says what it added. Exit 0 done, 1 a tool failed.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

UNITS = ("unity_tcp", "tcp_in", "tcp_out")
SOURCES = ("tcp.c", "tcp_in.c", "tcp_out.c")


def covered(gcov_jsons):
    """(kind, file, line[, branch]) for every executed line and taken branch."""
    out = set()
    for doc in gcov_jsons:
        for f in doc.get("files", []):
            name = os.path.basename(f.get("file", ""))
            if name not in SOURCES:
                continue
            for ln in f.get("lines", []):
                n = ln.get("line_number")
                if ln.get("count", 0) > 0:
                    out.add(("L", name, n))
                for i, b in enumerate(ln.get("branches", [])):
                    if b.get("count", 0) > 0:
                        out.add(("B", name, n, i))
    return out


def run_gcov(gcov, objdir, work):
    docs = []
    for unit in UNITS:
        gcda = [f for f in os.listdir(objdir) if f.endswith("-" + unit + ".gcda")]
        if not gcda:
            return None
        r = subprocess.run(
            [gcov, "--json-format", "--stdout", "--branch-probabilities", "-o", objdir,
             os.path.join(objdir, gcda[0])],
            cwd=work, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"ci/coverage-select: gcov failed on {gcda[0]}: {r.stderr.strip()}")
        docs.extend(json.loads(line) for line in r.stdout.splitlines() if line.strip())
    return docs


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--objdir", required=True)
    ap.add_argument("--gcov", default="gcov")
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--base", action="append", required=True,
                    help="a gcov JSON file of the base corpus (repeat per unit)")
    ap.add_argument("candidates", nargs="+")
    a = ap.parse_args()

    base = []
    for p in a.base:
        with open(p) as fh:
            base.extend(json.loads(line) for line in fh if line.strip())
    union = covered(base)
    start = len(union)
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.work, exist_ok=True)
    env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(a.work, "discard-%p.profraw"))
    kept = 0
    for i, c in enumerate(a.candidates, 1):
        for f in os.listdir(a.objdir):
            if f.endswith(".gcda"):
                os.remove(os.path.join(a.objdir, f))
        r = subprocess.run([a.bin, "run", "--engines", "c,c", c], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            print(f"[{i}/{len(a.candidates)}] {c}: not kept: `tcpdiff run --engines c,c` exits {r.returncode}")
            continue
        docs = run_gcov(a.gcov, a.objdir, a.work)
        if docs is None:
            print(f"[{i}/{len(a.candidates)}] {c}: not kept: no coverage data")
            continue
        new = covered(docs) - union
        if new:
            union |= new
            kept += 1
            shutil.copy(c, a.out)
            lines = sum(1 for x in new if x[0] == "L")
            print(f"[{i}/{len(a.candidates)}] {c}: kept: {lines} line(s), {len(new) - lines} branch(es) new")
        else:
            print(f"[{i}/{len(a.candidates)}] {c}: adds nothing")
        for f in os.listdir(a.work):
            if f.startswith("discard-"):
                os.remove(os.path.join(a.work, f))
    print(f"{kept} of {len(a.candidates)} candidate(s) kept in {a.out}; "
          f"{len(union) - start} line(s) and branch(es) added to the base's {start}")


if __name__ == "__main__":
    main()
