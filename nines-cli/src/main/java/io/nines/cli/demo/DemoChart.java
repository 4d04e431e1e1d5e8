package io.nines.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo as a picture: acknowledged and island-refused writes per second in each zone, with the kill, the cut
 * and the heal marked. Written as a self-contained SVG next to the log.
 */
final class DemoChart {

    /** Cumulative counters of one zone at one progress tick. */
    record Sample(double seconds, Map<String, long[]> okAndRefusedByZone) {
    }

    /** Something the demo did, at a time. */
    record Event(double seconds, String label) {
    }

    private static final String[] OK_COLORS = {"#4c78a8", "#54a24b"};
    private static final String[] REFUSED_COLORS = {"#e45756", "#f58518"};

    private final List<Sample> samples = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();

    synchronized void sample(Sample s) {
        samples.add(s);
    }

    synchronized void event(double seconds, String label) {
        events.add(new Event(seconds, label));
    }

    /** Per-second rates from the cumulative samples, drawn as lines, events as vertical rules. */
    synchronized void write(Path file, List<String> zones) throws IOException {
        if (samples.size() < 2) {
            return;
        }
        int w = 900;
        int h = 380;
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 50;
        double maxT = samples.getLast().seconds();
        double maxRate = 1;
        for (int i = 1; i < samples.size(); i++) {
            for (String z : zones) {
                maxRate = Math.max(maxRate, rate(i, z, 0));
                maxRate = Math.max(maxRate, rate(i, z, 1));
            }
        }
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        double finalMax = maxRate * 1.1;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h, w, h));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">"
                + "Nines demo: acknowledged and island-refused bank writes per second, by zone</text>%n", w / 2));
        for (int i = 0; i <= 4; i++) {
            double v = finalMax * i / 4;
            double y = top + plotH - v / finalMax * plotH;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f/s</text>%n", left, w - right, y, y, left - 6, y + 4, v));
        }
        for (Event e : events) {
            double x = left + e.seconds() / maxT * plotW;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#888\""
                    + " stroke-dasharray=\"4,3\"/><text x=\"%.1f\" y=\"%d\" fill=\"#444\">%s</text>%n", x, x, top,
                    top + plotH, x + 3, top + 12, e.label()));
        }
        for (int zi = 0; zi < zones.size(); zi++) {
            String z = zones.get(zi);
            for (int kind = 0; kind < 2; kind++) {
                StringBuilder points = new StringBuilder();
                for (int i = 1; i < samples.size(); i++) {
                    double x = left + samples.get(i).seconds() / maxT * plotW;
                    double y = top + plotH - rate(i, z, kind) / finalMax * plotH;
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                }
                String color = kind == 0 ? OK_COLORS[zi % 2] : REFUSED_COLORS[zi % 2];
                svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\""
                        + "%s points=\"%s\"/>%n", color, kind == 1 ? " stroke-dasharray=\"6,3\"" : "", points));
                int ly = h - 28 + (kind * 14);
                int lx = left + zi * 260;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\""
                        + " stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">zone %s: %s</text>%n", lx, lx + 20, ly - 4,
                        ly - 4, color, lx + 26, ly, z, kind == 0 ? "acknowledged" : "refused (island)"));
            }
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">seconds</text>%n</svg>%n",
                w - right, h - 30));
        Files.writeString(file, svg);
    }

    private double rate(int i, String zone, int kind) {
        Sample a = samples.get(i - 1);
        Sample b = samples.get(i);
        double dt = b.seconds() - a.seconds();
        long[] va = a.okAndRefusedByZone().get(zone);
        long[] vb = b.okAndRefusedByZone().get(zone);
        return dt <= 0 || va == null || vb == null ? 0 : (vb[kind] - va[kind]) / dt;
    }
}
