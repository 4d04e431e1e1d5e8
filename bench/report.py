#!/usr/bin/env python3
"""Prints the table of bench/core.sh from JMH JSON results (python3 standard library only).

Usage: report.py [--env RUN.env] RESULT.json...

For each library, workload and thread count: ns/op, the median iteration's ns/op and the overhead over the bare call (the Baseline
benchmark of the same workload and thread count), B/op (gc.alloc.rate.norm), then Nines' overhead as a
ratio to each peer's, against the target: at most 0.5x the fastest peer's and 0 B/op on the success path.
"""
import json
import sys

LIBS = ["baseline", "nines", "nines.get", "resilience4j", "failsafe", "sentinel"]
PEERS = ["resilience4j", "failsafe", "sentinel"]
WORKS = ["noop", "cpu100"]
TARGET_RATIO = 0.5
ZERO_BYTES = 1.0  # B/op below this is zero: JMH's own accounting leaves a fraction of a byte


def library(benchmark):
    """NinesBench.pipeline -> nines; a variant method NinesBench.get -> nines.get."""
    cls, method = benchmark.split(".")[-2:]
    lib = cls[:-len("Bench")].lower() if cls.endswith("Bench") else cls.lower()
    return lib if method == "pipeline" else f"{lib}.{method}"


def norm_alloc(entry):
    for key, metric in entry.get("secondaryMetrics", {}).items():
        if key.lstrip("\u00b7") == "gc.alloc.rate.norm":
            return metric["score"]
    return None


def load(paths):
    rows = {}
    for path in paths:
        with open(path) as f:
            for e in json.load(f):
                key = (library(e["benchmark"]), e.get("params", {}).get("work", "?"), e["threads"])
                pm = e["primaryMetric"]
                if pm["scoreUnit"] != "ns/op":
                    sys.exit(f"report: {e['benchmark']} is in {pm['scoreUnit']}, expected ns/op")
                err = pm.get("scoreError")
                # The median of the measurement iterations: on a shared machine a build elsewhere slows
                # single iterations, which moves the mean far more than the median.
                median = pm.get("scorePercentiles", {}).get("50.0", pm["score"])
                rows[key] = {
                    "ns": median,
                    "mean": pm["score"],
                    "err": err if isinstance(err, (int, float)) and err == err else None,
                    "bytes": norm_alloc(e),
                }
    return rows


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def main(argv):
    env = None
    if len(argv) >= 2 and argv[0] == "--env":
        env, argv = argv[1], argv[2:]
    if not argv:
        sys.exit(__doc__)
    rows = load(argv)
    if env:
        with open(env) as f:
            print("```\n" + f.read().rstrip() + "\n```\n")

    threads = sorted({k[2] for k in rows})
    works = [w for w in WORKS if any(k[1] == w for k in rows)] + sorted({k[1] for k in rows} - set(WORKS))
    libs = [l for l in LIBS if any(k[0] == l for k in rows)] + sorted({k[0] for k in rows} - set(LIBS))

    def overhead(lib, work, t):
        r, b = rows.get((lib, work, t)), rows.get(("baseline", work, t))
        return None if r is None or b is None else r["ns"] - b["ns"]

    print("| library | work | threads | ns/op (median) | mean | ± (99.9%) | overhead ns | B/op |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for work in works:
        for t in threads:
            for lib in libs:
                r = rows.get((lib, work, t))
                if r is None:
                    continue
                ov = "—" if lib == "baseline" else fmt(overhead(lib, work, t))
                print(f"| {lib} | {work} | {t} | {fmt(r['ns'])} | {fmt(r['mean'])} | {fmt(r['err'])} | {ov} "
                      f"| {fmt(r['bytes'], 0)} |")

    peers = [p for p in PEERS if p in libs]
    if "nines" not in libs or not peers:
        return 0
    print()
    print(f"Nines' overhead as a fraction of each peer's (target: <= {TARGET_RATIO} x the fastest peer, 0 B/op)")
    print()
    print("| work | threads | " + " | ".join(f"vs {p}" for p in peers) + " | fastest peer | verdict |")
    print("|---|---:|" + "---:|" * len(peers) + "---|---|")
    missed = 0
    for work in works:
        for t in threads:
            n = overhead("nines", work, t)
            if n is None:
                continue
            cells, best = [], None
            for p in peers:
                o = overhead(p, work, t)
                cells.append("n/a" if o is None or o <= 0 else f"{n / o:.2f}x")
                if o is not None and o > 0 and (best is None or o < best[1]):
                    best = (p, o)
            nb = rows[("nines", work, t)]["bytes"]
            reasons = []
            if best is not None and n > TARGET_RATIO * best[1]:
                reasons.append(f"overhead {n:.1f} ns > {TARGET_RATIO * best[1]:.1f}")
            if nb is None or nb >= ZERO_BYTES:
                reasons.append(f"{fmt(nb, 0)} B/op")
            verdict = "ok" if not reasons else "MISS: " + ", ".join(reasons)
            missed += bool(reasons)
            fastest = "n/a" if best is None else f"{best[0]} ({best[1]:.1f} ns)"
            print(f"| {work} | {t} | " + " | ".join(cells) + f" | {fastest} | {verdict} |")
    print()
    print("Target met." if missed == 0 else f"Target missed in {missed} case(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
