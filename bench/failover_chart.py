#!/usr/bin/env python3
"""Draws bench/failover.sh's rounds as an SVG bar chart: detection and time to writable per round, with medians."""
import csv
import sys


def main(src, dst):
    rows = list(csv.DictReader(open(src)))
    if not rows:
        return
    detect = [int(r["detect_ms"]) for r in rows]
    writable = [int(r["writable_ms"]) for r in rows]
    lost = [int(r["lost"]) for r in rows]
    top = max(writable + detect + [1])
    top = ((top + 249) // 250) * 250
    w, h, left, bottom, pad = 760, 360, 60, 50, 20
    plot_w, plot_h = w - left - pad, h - bottom - 2 * pad
    slot = plot_w / len(rows)
    bar = slot * 0.35

    def y(v):
        return pad * 2 + plot_h - v / top * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="18" text-anchor="middle" font-size="14">Kill the primary: detection and time to'
           f' writable per round (lost acknowledged writes: {sum(lost)})</text>']
    for i in range(0, 5):
        v = top * i / 4
        out.append(f'<line x1="{left}" x2="{w - pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{int(v)} ms</text>')
    for i, r in enumerate(rows):
        x = left + i * slot + slot * 0.15
        out.append(f'<rect x="{x:.1f}" y="{y(detect[i]):.1f}" width="{bar:.1f}" height="{y(0) - y(detect[i]):.1f}"'
                   f' fill="#4c78a8"><title>detection {detect[i]} ms</title></rect>')
        out.append(f'<rect x="{x + bar:.1f}" y="{y(writable[i]):.1f}" width="{bar:.1f}"'
                   f' height="{y(0) - y(writable[i]):.1f}" fill="#f58518"><title>writable {writable[i]} ms</title></rect>')
        out.append(f'<text x="{x + bar:.1f}" y="{h - bottom + 16}" text-anchor="middle">{r["round"]}</text>')
    for values, color, name in ((detect, "#4c78a8", "detection"), (writable, "#f58518", "writable")):
        med = sorted(values)[(len(values) - 1) // 2]
        out.append(f'<line x1="{left}" x2="{w - pad}" y1="{y(med):.1f}" y2="{y(med):.1f}" stroke="{color}"'
                   f' stroke-dasharray="5,4"/>')
        out.append(f'<text x="{w - pad}" y="{y(med) - 4:.1f}" text-anchor="end" fill="{color}">{name} p50 {med} ms'
                   f'</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{h - 12}" text-anchor="middle">round</text>')
    out.append('</svg>')
    open(dst, "w").write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
