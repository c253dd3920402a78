package io.github.coapsink.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run's picture (XChart, PNG): on top records/s per scenario at each round-trip time (bars, logarithmic, so the
 * old design at 20 ms stays visible next to the rest), below each run's committed offset over time (for the raw
 * client: requests answered), one line per scenario and RTT.
 */
final class BenchChart {
    private BenchChart() {
    }

    /** One bar: a scenario (x), a series (the RTT and server), records/s. */
    record Bar(String scenario, String series, double recordsPerSecond) {
    }

    /** One line: (seconds since start, records committed) points. */
    record Line(String name, List<double[]> points) {
    }

    static void write(Path file, String title, List<Bar> bars, List<Line> lines) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Set<String> scenarios = new LinkedHashSet<>();
        Map<String, Map<String, Double>> bySeries = new LinkedHashMap<>();
        for (Bar b : bars) {
            scenarios.add(b.scenario());
            bySeries.computeIfAbsent(b.series(), s -> new LinkedHashMap<>()).put(b.scenario(), b.recordsPerSecond());
        }
        CategoryChart bar = new CategoryChartBuilder().width(1100).height(520).title(title)
                .xAxisTitle("scenario").yAxisTitle("records/s (log scale)").build();
        bar.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        bar.getStyler().setYAxisLogarithmic(true);
        bar.getStyler().setLabelsVisible(true);
        bar.getStyler().setLabelsRotation(0);
        bar.getStyler().setYAxisDecimalPattern("#,###");
        bar.getStyler().setChartTitleFont(bar.getStyler().getChartTitleFont().deriveFont(14f));
        // a logarithmic axis takes no empty or zero bar: a scenario without a positive rate in every series is left out
        List<String> xs = new ArrayList<>();
        for (String x : scenarios) {
            if (bySeries.values().stream().allMatch(m -> m.get(x) != null && m.get(x) > 0)) {
                xs.add(x);
            }
        }
        for (Map.Entry<String, Map<String, Double>> e : bySeries.entrySet()) {
            if (xs.isEmpty()) {
                break;
            }
            List<Double> ys = new ArrayList<>();
            for (String x : xs) {
                ys.add(e.getValue().get(x));
            }
            bar.addSeries(e.getKey(), xs, ys);
        }
        // bars start at the axis minimum, which must be above zero on a log axis: the decade below the smallest bar
        bars.stream().mapToDouble(Bar::recordsPerSecond).filter(v -> v > 0).min()
                .ifPresent(min -> bar.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min)))));
        if (xs.isEmpty()) {
            bar.getStyler().setYAxisLogarithmic(false);
            bar.getStyler().setYAxisMin(0.0);
            bar.addSeries("(no data)", List.of("–"), List.of(0));
        }

        XYChart line = new XYChartBuilder().width(1100).height(520)
                .title("Committed offset over time (raw: requests answered)")
                .xAxisTitle("seconds since the connector was created (raw: since the first send)")
                .yAxisTitle("records").build();
        line.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        line.getStyler().setYAxisDecimalPattern("#,###");
        line.getStyler().setMarkerSize(0);
        for (Line l : lines) {
            if (l.points().isEmpty()) {
                continue;
            }
            double[] x = new double[l.points().size()];
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = l.points().get(i)[0];
                y[i] = l.points().get(i)[1];
            }
            XYSeries s = line.addSeries(l.name(), x, y);
            s.setMarker(SeriesMarkers.NONE);
        }
        if (line.getSeriesMap().isEmpty()) {
            line.addSeries("(no data)", new double[] {0}, new double[] {0});
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<Chart<?, ?>> charts = List.of(bar, line);
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(charts, 2, 1, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
