package io.github.coapsink.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Peak heap of a child JVM from its {@code -Xlog:gc,gc+heap+exit} file. Each GC line reads
 * {@code ... 123M->45M(256M) 3.2ms}: the left number is the heap in use just before that collection — the highest it
 * got since the previous one — and the right number what survived. The exit lines give the heap in use at exit.
 * So {@link #peakUsedMb} is the most the heap ever held (garbage included), {@link #maxLiveMb} the largest retained
 * set after a collection (what must fit).
 */
public record GcLog(double peakUsedMb, double maxLiveMb, int collections) {
    private static final Pattern PAUSE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    private static final Pattern EXIT_USED = Pattern.compile("used (\\d+)([KMG])");

    public static GcLog parse(Path file) {
        double peak = 0;
        double live = 0;
        int n = 0;
        try {
            if (!Files.exists(file)) {
                return new GcLog(Double.NaN, Double.NaN, 0);
            }
            for (String line : Files.readAllLines(file)) {
                Matcher m = PAUSE.matcher(line);
                if (m.find()) {
                    n++;
                    peak = Math.max(peak, mb(m.group(1), m.group(2)));
                    live = Math.max(live, mb(m.group(3), m.group(4)));
                    continue;
                }
                if (line.contains("gc,heap,exit")) {
                    Matcher u = EXIT_USED.matcher(line);
                    if (u.find() && line.contains("total")) {
                        peak = Math.max(peak, mb(u.group(1), u.group(2)));
                    }
                }
            }
        } catch (IOException e) {
            return new GcLog(Double.NaN, Double.NaN, 0);
        }
        return new GcLog(peak, live, n);
    }

    private static double mb(String v, String unit) {
        double d = Double.parseDouble(v);
        return switch (unit) {
            case "K" -> d / 1024;
            case "G" -> d * 1024;
            default -> d;
        };
    }
}
