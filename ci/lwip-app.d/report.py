#!/usr/bin/env python3
"""Table, JSON and verdict of a ci/lwip-app run.

    report.py [--json FILE] --meta KEY=VALUE... --expect BUILD:LOSS... ROWS.tsv...

Each ROWS file holds tab-separated rows written by ci/lwip-app's run_unit:
    build loss direction bytes seconds status note \
        from_lwip_dropped from_lwip_frames to_lwip_dropped to_lwip_frames
(status "ok" or "FAIL"; the four counters are the router's iptables
counters for the transfer: frames dropped on purpose and frames seen, per
direction). Every BUILD:LOSS given with --expect must have its three
directions; a missing one counts as a failure. Prints one line per row,
then the verdict; exits 1 unless every expected transfer is "ok".
"""

import json
import sys

DIRECTIONS = ["linux->lwip", "lwip->linux", "echo+cmp"]


def main():
    args = sys.argv[1:]
    json_path = None
    meta = {}
    expect = []
    files = []
    while args:
        a = args.pop(0)
        if a == "--json":
            json_path = args.pop(0)
        elif a == "--meta":
            k, _, v = args.pop(0).partition("=")
            meta[k] = v
        elif a == "--expect":
            b, _, loss = args.pop(0).rpartition(":")
            expect.append((b, loss))
        else:
            files.append(a)

    rows = {}
    for path in files:
        try:
            text = open(path).read()
        except OSError:
            continue
        for line in text.splitlines():
            f = line.split("\t")
            if len(f) != 11:
                continue
            key = (f[0], f[1], f[2])
            rows[key] = {
                "build": f[0],
                "loss_percent": float(f[1]),
                "direction": f[2],
                "bytes": int(f[3]),
                "seconds": float(f[4]),
                "ok": f[5] == "ok",
                "note": f[6],
                "from_lwip": {"dropped": int(f[7]), "frames": int(f[8])},
                "to_lwip": {"dropped": int(f[9]), "frames": int(f[10])},
            }

    results = []
    for build, loss in expect:
        for d in DIRECTIONS:
            r = rows.get((build, loss, d))
            if r is None:
                r = {"build": build, "loss_percent": float(loss),
                     "direction": d, "bytes": 0, "seconds": 0.0, "ok": False,
                     "note": "no result (the run did not get this far)",
                     "from_lwip": {"dropped": 0, "frames": 0},
                     "to_lwip": {"dropped": 0, "frames": 0}}
            r["mbit_s"] = (round(r["bytes"] * 8 / r["seconds"] / 1e6, 2)
                           if r["seconds"] > 0 else 0.0)
            results.append(r)

    bw = max([len("build")] + [len(r["build"]) for r in results])
    print(f"{'build':<{bw}}  {'direction':<12} {'loss':>5} {'bytes':>10} "
          f"{'seconds':>8} {'Mbit/s':>8}  result  dropped/frames "
          f"(from lwIP, to lwIP)  note")
    for r in results:
        fl, tl = r["from_lwip"], r["to_lwip"]
        drops = f"{fl['dropped']}/{fl['frames']}, {tl['dropped']}/{tl['frames']}"
        print(f"{r['build']:<{bw}}  {r['direction']:<12} "
              f"{r['loss_percent']:>4g}% {r['bytes']:>10} {r['seconds']:>8.3f} "
              f"{r['mbit_s']:>8.2f}  {'ok' if r['ok'] else 'FAIL':<6}  "
              f"{drops:<35} {r['note']}")
    passed = sum(1 for r in results if r["ok"])
    failed = len(results) - passed
    verdict = "PASS" if failed == 0 and results else "FAIL"
    if json_path:
        with open(json_path, "w") as f:
            json.dump({**meta, "results": results, "passed": passed,
                       "failed": failed, "verdict": verdict}, f, indent=2)
            f.write("\n")
    print(f"ci/lwip-app: {verdict}: {passed} of {len(results)} transfers "
          f"completed and checked")
    print(f"lwip-app: {passed} passed, {failed} failed")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
