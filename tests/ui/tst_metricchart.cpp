// Proves that a dense chart (a day of many series) drawn straight into the
// plot's pixels shows the same lines as QCustomPlot's own drawing: per pixel
// column the same highest and lowest point of every series, the same
// colours, hidden series left out, and that exports still draw every line.

#include "models/metrics/timeseries.h"
#include "ui/charts/metricchart.h"

#include <qcustomplot.h>

#include <QtTest>

#include <climits>
#include <cmath>

using namespace idem;

namespace {

constexpr int kSeries = 6;
constexpr int kPoints = 86400;

// Per pixel column of `rect`: the highest and lowest row holding `colour`.
QList<QPair<int, int>> columnExtents(const QImage &image, const QRect &rect, QRgb colour, int *count)
{
    QList<QPair<int, int>> extents;
    *count = 0;
    for (int x = rect.left(); x <= rect.right(); ++x) {
        int top = -1, bottom = -1;
        for (int y = rect.top(); y <= rect.bottom(); ++y) {
            if ((image.pixel(x, y) & 0xffffff) == (colour & 0xffffff)) {
                if (top < 0)
                    top = y;
                bottom = y;
                ++*count;
            }
        }
        extents.append({top, bottom});
    }
    return extents;
}

// Renders the plot as its own graphs draw it: a vector-mode painter makes
// the dense layer step aside, on an ordinary image.
QImage renderByGraphs(QCustomPlot *plot)
{
    QImage image(plot->size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QCPPainter painter(&image);
    painter.setMode(QCPPainter::pmVectorized);
    plot->toPainter(&painter, plot->width(), plot->height());
    return image;
}

} // namespace

class TestMetricChart : public QObject
{
    Q_OBJECT

private slots:
    void denseDrawingMatchesGraphs()
    {
        models::MetricHistory history(kPoints);
        const qint64 start = 1'700'000'000'000;
        for (int s = 0; s < kSeries; ++s)
            for (int i = 0; i < kPoints; ++i)
                history.append(QStringLiteral("s%1").arg(s), start + qint64(i) * 1000,
                               100 + 40 * std::sin(i / 900.0 + s) + (i % (3000 + 500 * s) == 0 ? 300 : 0));
        ui::MetricChart chart(QStringLiteral("lag"), QStringLiteral("messages"));
        chart.setHistory(&history);
        QList<ui::MetricChart::Series> series;
        for (int s = 0; s < kSeries; ++s)
            series.append({QStringLiteral("s%1").arg(s), QStringLiteral("series %1").arg(s)});
        chart.setSeries(series);
        chart.setRangeMs(qint64(kPoints) * 1000);
        chart.resize(900, 420);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QVERIFY(chart.replotIfDirty());
        QCustomPlot *plot = chart.plot();
        plot->replot(QCustomPlot::rpImmediateRefresh);
        QVERIFY2(plot->graph(0)->antialiased() == false, "six day-long series must count as dense");

        // The plot area without the legend, which draws its own samples.
        QRect area = plot->axisRect()->rect().adjusted(2, 2, -2, -2);
        area.setTop(std::max(area.top(), plot->legend->outerRect().bottom() + 2));
        QVERIFY(area.height() > 150);
        // One series at a time, so that none paints over another.
        for (int s = 0; s < kSeries; ++s) {
            for (int k = 0; k < kSeries; ++k)
                plot->graph(k)->setVisible(k == s);
            chart.markDirty();
            chart.replotIfDirty();
            QVERIFY(!plot->graph(s)->antialiased());
            const QImage fast = plot->toPixmap(plot->width(), plot->height(), 1.0).toImage();
            const QImage reference = renderByGraphs(plot);
            const QRgb colour = plot->graph(s)->pen().color().rgb();
            int fastCount = 0, referenceCount = 0;
            const auto fastExtents = columnExtents(fast, area, colour, &fastCount);
            const auto referenceExtents = columnExtents(reference, area, colour, &referenceCount);
            QVERIFY2(fastCount > 500, qPrintable(QStringLiteral("series %1 drew %2 pixels").arg(s).arg(fastCount)));
            // Both drawings must cover each other within a pixel: QPainter
            // rounds a line's column its own way.
            int compared = 0;
            auto covered = [](const QList<QPair<int, int>> &extents, int x, int top, int bottom) {
                int lo = INT_MAX, hi = -1;
                for (int k = std::max(0, x - 1); k <= std::min<int>(extents.size() - 1, x + 1); ++k) {
                    if (extents[k].first >= 0) {
                        lo = std::min(lo, extents[k].first);
                        hi = std::max(hi, extents[k].second);
                    }
                }
                return hi >= 0 && top >= lo - 2 && bottom <= hi + 2;
            };
            for (int x = 1; x < fastExtents.size() - 1; ++x) { // the edge columns have one neighbour only
                const auto [ft, fb] = fastExtents[x];
                const auto [rt, rb] = referenceExtents[x];
                if (ft < 0 || rt < 0)
                    continue;
                ++compared;
                QVERIFY2(covered(referenceExtents, x, ft, fb) && covered(fastExtents, x, rt, rb),
                         qPrintable(QStringLiteral("series %1, column %2: rows %3..%4 drawn, %5..%6 expected")
                                        .arg(s).arg(x).arg(ft).arg(fb).arg(rt).arg(rb)));
            }
            QVERIFY(compared > area.width() / 2);
            QVERIFY2(std::abs(fastCount - referenceCount) <= referenceCount / 4 + 50,
                     qPrintable(QStringLiteral("series %1: %2 pixels drawn, %3 expected").arg(s).arg(fastCount).arg(referenceCount)));
        }

        // A series hidden through its legend entry is not drawn.
        for (int k = 0; k < kSeries; ++k)
            plot->graph(k)->setVisible(k != kSeries - 1);
        chart.markDirty();
        chart.replotIfDirty();
        const QImage hidden = plot->toPixmap(plot->width(), plot->height(), 1.0).toImage();
        int count = 0;
        columnExtents(hidden, area, plot->graph(kSeries - 1)->pen().color().rgb(), &count);
        QCOMPARE(count, 0);

        // PNG export at twice the size draws the graphs themselves.
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("lag.png"));
        QVERIFY(chart.exportPng(png));
        const QImage exported(png);
        QCOMPARE(exported.width(), plot->width() * 2);
        int exportedCount = 0;
        const QRect exportedArea(area.topLeft() * 2, area.size() * 2);
        columnExtents(exported, exportedArea, plot->graph(0)->pen().color().rgb(), &exportedCount);
        QVERIFY2(exportedCount > 500, qPrintable(QString::number(exportedCount)));
    }
};

QTEST_MAIN(TestMetricChart)
#include "tst_metricchart.moc"
