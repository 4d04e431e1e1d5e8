#!/usr/bin/env python3
"""Prints bench/proxy.sh's table (medians over rounds) and draws an SVG chart of req/s per proxy core and p99."""
import json
import statistics
import sys


def ms(v):
    """wrk latency text (e.g. 812.00us, 1.20ms, 2.01s) in milliseconds."""
    v = v.strip()
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float("nan")


def main(src, svg):
    rows = [json.loads(l) for l in open(src) if l.strip()]
    http = [r for r in rows if r["kind"] == "http"]
    tcp = [r for r in rows if r["kind"] == "tcp"]
    order = []
    for r in http:
        if r["target"] not in order:
            order.append(r["target"])
    table = {}
    for t in order:
        rs = [r for r in http if r["target"] == t]
        rps = statistics.median(r["rps"] for r in rs)
        p99 = statistics.median(ms(r["p99"]) for r in rs)
        p50 = statistics.median(ms(r["p50"]) for r in rs)
        cores = statistics.median(r["cpu_s"] / r["seconds"] for r in rs)
        per_core = statistics.median((r["rps"] / (r["cpu_s"] / r["seconds"])) if r["cpu_s"] > 0 else float("nan")
                                     for r in rs)
        rss = max(r["rss_kb"] for r in rs) / 1024
        table[t] = dict(rps=rps, p50=p50, p99=p99, cores=cores, per_core=per_core, rss=rss, n=len(rs))
    print(f"HTTP: wrk -t1 -c64 keep-alive, small response; medians of {max(v['n'] for v in table.values())} rounds")
    print(f"| target | req/s | p50 ms | p99 ms | proxy cores busy | req/s per proxy core | RSS MB |")
    print(f"|---|---:|---:|---:|---:|---:|---:|")
    for t, v in table.items():
        proxy = t != "direct"
        print(f"| {t} | {v['rps']:.0f} | {v['p50']:.3f} | {v['p99']:.3f} | "
              f"{v['cores']:.2f} | {v['per_core']:.0f} | {v['rss']:.1f} |" if proxy else
              f"| {t} | {v['rps']:.0f} | {v['p50']:.3f} | {v['p99']:.3f} | - | - | - |")
    if "nines" in table:
        for peer in ("haproxy", "nginx"):
            if peer in table:
                a, b = table["nines"], table[peer]
                print(f"Nines / {peer}: req/s per core {a['per_core'] / b['per_core']:.2f}x, p99 {a['p99'] / b['p99']:.2f}x,"
                      f" req/s {a['rps'] / b['rps']:.2f}x")
    if tcp:
        print()
        print("TCP bulk, one connection; medians")
        print("| target | GB/s | proxy cores busy | RSS MB |")
        print("|---|---:|---:|---:|")
        tt = {}
        for r in tcp:
            tt.setdefault(r["target"], []).append(r)
        for t, rs in tt.items():
            cores = statistics.median(r.get("cpu_s", 0) / r.get("seconds", 1) for r in rs)
            rss = max(r.get("rss_kb", 0) for r in rs) / 1024
            busy = f"{cores:.2f}" if t != "direct-tcp" else "-"
            print(f"| {t} | {statistics.median(r['gbytes_per_s'] for r in rs):.2f} | {busy} | {rss:.1f} |")
        tt = {t: [r["gbytes_per_s"] for r in rs] for t, rs in tt.items()}
        if "nines-tcp" in tt and "haproxy-tcp" in tt:
            print(f"Nines / HAProxy (splice): {statistics.median(tt['nines-tcp']) / statistics.median(tt['haproxy-tcp']):.2f}x")
        tcp_medians = {t: statistics.median(v) for t, v in tt.items() if t != "direct-tcp"}
    else:
        tcp_medians = {}
    draw(table, tcp_medians, svg)


def draw(table, tcp, path):
    proxies = [t for t in table if t != "direct"]
    if not proxies and not tcp:
        return
    panels = [("per_core", "req/s per proxy core (higher is better)", ""),
              ("p99", "p99 latency (lower is better)", " ms")] if proxies else []
    if tcp:
        panels.append(("tcp", "TCP GB/s, one connection (higher is better)", ""))
    w, h, pad, left = 360 * len(panels), 320, 30, 40
    half = (w - left - len(panels) * pad) / len(panels)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    colors = {"haproxy": "#4c78a8", "nginx": "#54a24b", "nines": "#f58518", "haproxy-tcp": "#4c78a8",
              "nines-tcp": "#f58518"}
    for k, (key, title, unit) in enumerate(panels):
        x0 = left + k * (half + pad)
        names = list(tcp) if key == "tcp" else proxies
        values = {p: (tcp[p] if key == "tcp" else table[p][key]) for p in names}
        top = max(values.values()) * 1.15 or 1
        plot_h = h - 90
        out.append(f'<text x="{x0 + half / 2}" y="20" text-anchor="middle" font-size="13">{title}</text>')
        bw = half / len(names) * 0.6
        for i, p in enumerate(names):
            v = values[p]
            bh = v / top * plot_h
            x = x0 + i * half / len(names) + bw * 0.3
            y = 40 + plot_h - bh
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="{colors.get(p, "#999")}"/>')
            label = f"{v:.0f}" if key == "per_core" else f"{v:.2f}{unit}"
            out.append(f'<text x="{x + bw / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{label}</text>')
            out.append(f'<text x="{x + bw / 2:.1f}" y="{h - 30}" text-anchor="middle">{p}</text>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
