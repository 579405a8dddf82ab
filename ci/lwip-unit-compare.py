#!/usr/bin/env python3
"""Compares lwIP unit-test results (libcheck XML) of several builds.

    lwip-unit-compare.py [--json FILE] c=C.xml [lib:NAME=LIB.xml ...]

The first build is the reference (lwIP's own TCP). Prints, for the TCP
suites, one row per test with every build's result, then one row per suite,
then every test whose result differs from the reference's. Exits 1 unless
the reference passes every test, the TCP suites hold the tests lwIP 2.2.1
has, and every other build gives every test the reference's result; 2 on
unreadable input. Used by ci/lwip-unit.
"""

import json
import sys
import xml.etree.ElementTree as ET

NS = "{http://check.sourceforge.net/ns}"
# lwIP 2.2.1's TCP suites and how many test functions each registers
# (test_tcp.c, test_tcp_oos.c, test_tcp_state.c).
TCP_SUITES = {"TCP": 21, "TCP_OOS": 22, "TCP_STATE": 13}


def load(path):
    """[(suite, id, iteration, result, message, fn)] in the runner's order."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"lwip-unit-compare: {path}: {e}", file=sys.stderr)
        sys.exit(2)
    tests = []
    for suite in root.iter(NS + "suite"):
        title = suite.findtext(NS + "title", default="?")
        for t in suite.iter(NS + "test"):
            tests.append(
                {
                    "suite": title,
                    "id": t.findtext(NS + "id", default="?"),
                    "iteration": int(t.findtext(NS + "iteration", default="0")),
                    "result": t.get("result", "?"),
                    "message": t.findtext(NS + "message", default=""),
                    "fn": t.findtext(NS + "fn", default=""),
                }
            )
    return tests


def key(t):
    return (t["suite"], t["id"], t["iteration"])


def load_expected(path):
    """Known differences: `BUILD SUITE/TEST reason` lines ('#' comments).
    A listed test must differ from the reference in that build, a TCP
    suite's test may not be listed."""
    known = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3 or "/" not in parts[1]:
                raise SystemExit(
                    f"lwip-unit-compare: {path}:{n}: want 'BUILD SUITE/TEST reason'"
                )
            build, test, reason = parts
            suite = test.split("/", 1)[0]
            if suite in TCP_SUITES:
                raise SystemExit(
                    f"lwip-unit-compare: {path}:{n}: {test}: a TCP suite's test "
                    "cannot be a known difference"
                )
            known[(build, test)] = reason
    return known


def main(argv):
    json_out = None
    known = {}
    builds = []
    i = 0
    while i < len(argv):
        if argv[i] == "--json":
            json_out = argv[i + 1]
            i += 2
            continue
        if argv[i] == "--expect":
            known = load_expected(argv[i + 1])
            i += 2
            continue
        name, sep, path = argv[i].partition("=")
        if not sep:
            print(f"lwip-unit-compare: '{argv[i]}' is not NAME=XML", file=sys.stderr)
            return 2
        builds.append((name, load(path)))
        i += 1
    if not builds:
        print("lwip-unit-compare: no builds given", file=sys.stderr)
        return 2

    ref_name, ref = builds[0]
    by_build = [(n, {key(t): t for t in ts}) for n, ts in builds]
    problems = []

    # The reference is what lwIP's CI expects: every test passes.
    for t in ref:
        if t["result"] != "success":
            problems.append(
                f"{ref_name}: {t['suite']}/{t['id']} {t['result']} "
                f"({t['fn']}: {t['message']})"
            )
    for suite, want in TCP_SUITES.items():
        have = sum(1 for t in ref if t["suite"] == suite)
        if have != want:
            problems.append(
                f"{ref_name}: suite {suite} has {have} tests, lwIP 2.2.1 has {want}"
            )

    names = [n for n, _ in builds]
    short = {"success": "pass", "failure": "FAIL", "error": "ERROR"}

    def cell(m, k):
        t = m.get(k)
        return "missing" if t is None else short.get(t["result"], t["result"])

    width = max(len(t["id"]) for t in ref) if ref else 10
    cols = "".join(f"  {n:>14}" for n in names)
    print(f"\nTCP suites, per test\n{'suite':<10} {'test':<{width}}{cols}")
    for t in ref:
        if t["suite"] in TCP_SUITES:
            row = "".join(f"  {cell(m, key(t)):>14}" for _, m in by_build)
            print(f"{t['suite']:<10} {t['id']:<{width}}{row}")

    suites = list(dict.fromkeys(t["suite"] for t in ref))
    print(f"\nEvery suite: passed/tests\n{'suite':<10}{cols}")
    for s in suites:
        row = ""
        for _, m in by_build:
            ts = [t for t in m.values() if t["suite"] == s]
            ok = sum(1 for t in ts if t["result"] == "success")
            row += f"  {f'{ok}/{len(ts)}':>14}"
        print(f"{s:<10}{row}")

    # Every other build: the same tests, each with the reference's result,
    # but for the known differences (--expect), which must still differ.
    notes = []
    used = set()
    for name, m in by_build[1:]:
        refkeys = {key(t) for t in ref}
        for t in ref:
            other = m.get(key(t))
            test = f"{t['suite']}/{t['id']}"
            build = name.split(":", 1)[-1]
            reason = known.get((build, test))
            if reason is not None:
                used.add((build, test))
            if other is None:
                problems.append(f"{name}: {test} did not run")
            elif other["result"] != t["result"]:
                what = (
                    f"{name}: {test} {other['result']} where "
                    f"{ref_name} gives {t['result']} ({other['fn']}: {other['message']})"
                )
                if reason is None:
                    problems.append(what)
                else:
                    notes.append(f"{what}\n    known difference: {reason}")
            elif reason is not None:
                problems.append(
                    f"{name}: {test} is listed as a known difference but gives "
                    f"{ref_name}'s result: take it off the list"
                )
        for k, t in m.items():
            if k not in refkeys:
                problems.append(f"{name}: {t['suite']}/{t['id']} is not in {ref_name}")

    built = {n.split(":", 1)[-1] for n in names[1:]}
    for (build, test) in known:
        if build in built and (build, test) not in used:
            problems.append(f"lib:{build}: {test} is listed as a known difference but did not run")

    tcp_total = sum(TCP_SUITES.values())
    verdict = "same" if not problems else "different"
    if json_out:
        with open(json_out, "w") as f:
            json.dump(
                {
                    "reference": ref_name,
                    "verdict": verdict,
                    "problems": problems,
                    "known_differences": notes,
                    "builds": {n: ts for n, ts in builds},
                },
                f,
                indent=1,
            )
    print()
    for n in notes:
        print(f"  {n}")
    if problems:
        for p in problems:
            print(f"  {p}")
        print(f"ci/lwip-unit: {len(problems)} problem(s)")
        return 1
    others = ", ".join(names[1:]) or "no library build (pass --lib)"
    print(
        f"ci/lwip-unit: {ref_name} passes all {len(ref)} tests ({tcp_total} TCP); "
        f"same results on: {others}"
        + (f" (but the {len(notes)} known difference(s) above)" if notes else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
