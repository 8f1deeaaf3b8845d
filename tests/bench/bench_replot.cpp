// Benchmark: 4 charts x 20 series x 24 hours at one point a second
// (6.9 million points), replotted whole, as the Flows page does at most 25
// times a second. Prints figures; budget: a replot under 16 ms.

#include "models/metrics/timeseries.h"
#include "ui/charts/metricchart.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QGridLayout>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    constexpr int charts = 4, series = 20, points = 86400;
    idem::models::MetricHistory history(points);
    const qint64 start = QDateTime::currentMSecsSinceEpoch() - qint64(points) * 1000;
    QElapsedTimer fill;
    fill.start();
    for (int c = 0; c < charts; ++c)
        for (int s = 0; s < series; ++s)
            for (int i = 0; i < points; ++i)
                history.append(QStringLiteral("c%1/s%2").arg(c).arg(s), start + qint64(i) * 1000,
                               100 + 50 * std::sin(i / 600.0 + s) + (i % 977 == 0 ? 400 : 0));
    std::printf("history: %d series x %d points filled in %lld ms\n", charts * series, points, fill.elapsed());

    QWidget window;
    auto *grid = new QGridLayout(&window);
    QList<idem::ui::MetricChart *> list;
    for (int c = 0; c < charts; ++c) {
        auto *chart = new idem::ui::MetricChart(QStringLiteral("chart %1").arg(c), QStringLiteral("messages"), &window);
        chart->setHistory(&history);
        QList<idem::ui::MetricChart::Series> s;
        for (int k = 0; k < series; ++k)
            s.append({QStringLiteral("c%1/s%2").arg(c).arg(k), QStringLiteral("series %1").arg(k)});
        chart->setSeries(s);
        chart->setRangeMs(qint64(points) * 1000);
        grid->addWidget(chart, c / 2, c % 2);
        list << chart;
    }
    window.resize(1600, 900);
    window.show();
    QCoreApplication::processEvents();

    // Each run is one second later: every series gets its newest point (the
    // ring drops its oldest) and the charts follow, as on the Flows page.
    QList<double> times, prepare;
    const int runs = argc > 1 ? std::max(3, std::atoi(argv[argc - 1])) : 31; // bench_replot [RUNS]
    for (int run = 0; run < runs; ++run) {
        const qint64 now = start + qint64(points + run) * 1000;
        for (int c = 0; c < charts; ++c)
            for (int s = 0; s < series; ++s)
                history.append(QStringLiteral("c%1/s%2").arg(c).arg(s), now, 100 + 50 * std::sin((points + run) / 600.0 + s));
        QElapsedTimer timer;
        timer.start();
        for (auto *chart : list) {
            chart->markDirty();
            chart->replotIfDirty(); // downsampling into the graphs
        }
        prepare << timer.nsecsElapsed() / 1e6;
        for (auto *chart : list)
            chart->plot()->replot(QCustomPlot::rpImmediateRefresh);
        times << timer.nsecsElapsed() / 1e6;
    }
    // The first run reads every point (no downsampling cache yet) and lays
    // out fonts; it is what opening the page or changing the range costs.
    const double firstTotal = times.takeFirst();
    const double firstPrepare = prepare.takeFirst();
    std::printf("first replot after opening or a range change: %.1f ms, of which downsampling %.1f ms\n", firstTotal,
                firstPrepare);
    std::sort(times.begin(), times.end());
    std::sort(prepare.begin(), prepare.end());
    std::printf("following replots, one new point a second: downsampling median %.1f ms\n", prepare[prepare.size() / 2]);
    std::printf("replot of %d charts x %d series x 24 h (downsampled to the chart width): median %.1f ms, max %.1f ms "
                "(budget 16 ms)\n",
                charts, series, times[times.size() / 2], times.last());
    return 0;
}
