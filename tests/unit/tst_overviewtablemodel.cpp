// Proves the Overview's table: one summary per flow shared with the cards
// (figures as shown, those above threshold, the badge's status), rows in
// trouble order under a filter, and coalesced updates: a poll that changes
// nothing changes no row but the trend column, a changed figure changes only
// its row, and rows move without a reset.

#include "models/envelope/deadletterdigest.h"
#include "models/metrics/overviewtablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace idem::models;

namespace {

QList<FlowFigures> flows(int count)
{
    QList<FlowFigures> out;
    for (int i = 0; i < count; ++i) {
        FlowFigures f;
        f.flow = QStringLiteral("f%1").arg(i);
        f.status = LagStatus::Ok;
        f.lag = 10 + i;
        f.retryShare = 0.01;
        f.errorsPerMinute = 0.5;
        f.deadLetters = 3;
        f.windowMs = 300000;
        out << f;
    }
    return out;
}

} // namespace

class TestOverviewTableModel : public QObject
{
    Q_OBJECT

private slots:
    void summaryTellsStatusAndThresholds()
    {
        FlowFigures f;
        f.flow = QStringLiteral("orders");
        f.status = LagStatus::Ok;
        f.lag = 900;
        f.retryShare = 0.025;
        f.errorsPerMinute = -1;
        f.deadLetters = 12;
        f.errorShare = 0.001;
        f.worstGroup = QStringLiteral("%1-billing");
        f.windowMs = 300000;
        const FlowSummary s = summarizeFlow(f, {{QStringLiteral("lag"), 500}, {QStringLiteral("dead_letters"), 12}});
        QCOMPARE(s.above, (QStringList{QStringLiteral("lag")})); // 12 is not above 12
        QCOMPARE(s.statusText, QStringLiteral("OK · lag above threshold"));
        QCOMPARE(s.badge, LagStatus::Warning); // reads well, but a figure is above: warning colour
        QCOMPARE(s.errors, QStringLiteral("…"));
        QCOMPARE(s.worst, QStringLiteral("Worst group: %1-billing · error share 0.10 % · window 300 s"));
        f.status = LagStatus::Stalled;
        QCOMPARE(summarizeFlow(f, {{QStringLiteral("lag"), 500}}).badge, LagStatus::Stalled);
        QCOMPARE(summarizeFlow(f, {}).statusText, QStringLiteral("STALLED"));
    }

    void rowsInTroubleOrderUnderAFilter()
    {
        OverviewTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<FlowFigures> figures = flows(100);
        QMap<QString, QMap<QString, double>> thresholds;
        for (const FlowFigures &f : figures)
            thresholds[f.flow][QStringLiteral("lag")] = 500;
        model.setThresholds(thresholds);
        model.apply(figures);
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.order().mid(0, 3), (QStringList{QStringLiteral("f0"), QStringLiteral("f1"), QStringLiteral("f2")}));
        figures[57].status = LagStatus::Stalled;
        figures[31].lag = 900;
        model.apply(figures);
        QCOMPARE(model.order().mid(0, 3), (QStringList{QStringLiteral("f57"), QStringLiteral("f31"), QStringLiteral("f0")}));
        QCOMPARE(model.index(0, OverviewTableModel::Flow).data().toString(), QStringLiteral("f57"));
        QCOMPARE(model.index(0, OverviewTableModel::Status).data().toString(), QStringLiteral("STALLED"));
        QCOMPARE(model.index(0, OverviewTableModel::Status).data(OverviewTableModel::BadgeRole).toInt(), int(LagStatus::Stalled));
        QCOMPARE(model.index(1, OverviewTableModel::Lag).data().toString(), QLocale().toString(900));
        QVERIFY(model.index(1, OverviewTableModel::Lag).data(OverviewTableModel::AboveRole).toBool());
        QVERIFY(!model.index(2, OverviewTableModel::Lag).data(OverviewTableModel::AboveRole).toBool());
        QCOMPARE(model.index(1, OverviewTableModel::Lag).data(Qt::ToolTipRole).toString(), QStringLiteral("threshold 500"));
        QCOMPARE(model.index(5, OverviewTableModel::Trend).data(OverviewTableModel::SeriesRole).toString(),
                 QStringLiteral("flow/%1/lag").arg(model.flowAt(5)));

        model.setFilter(QStringLiteral(" F5 "));
        QCOMPARE(model.order(),
                 (QStringList{QStringLiteral("f57"), QStringLiteral("f5"), QStringLiteral("f50"), QStringLiteral("f51"),
                              QStringLiteral("f52"), QStringLiteral("f53"), QStringLiteral("f54"), QStringLiteral("f55"),
                              QStringLiteral("f56"), QStringLiteral("f58"), QStringLiteral("f59")}));
        QCOMPARE(model.rowCount(), 11);
        QCOMPARE(model.flowCount(), 100);
        model.setFilter(QString());
        QCOMPARE(model.rowCount(), 100);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.flowCount(), 0);
    }

    void quietPollsChangeNothingButTheTrend()
    {
        OverviewTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<FlowFigures> figures = flows(40);
        model.apply(figures);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy moved(&model, &QAbstractItemModel::layoutChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy summaries(&model, &OverviewTableModel::summariesChanged);

        model.apply(figures); // the same figures again
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().column(), int(OverviewTableModel::Trend));
        QCOMPARE(changed[0][1].toModelIndex().column(), int(OverviewTableModel::Trend));
        QCOMPARE(moved.size() + reset.size() + summaries.size(), 0);

        // One flow's lag moves, not its place: its row's lag cell only.
        changed.clear();
        figures[7].lag = 18;
        model.apply(figures);
        QCOMPARE(changed.size(), 2);
        const int row = int(model.order().indexOf(QStringLiteral("f7")));
        QCOMPARE(changed[0][0].toModelIndex(), model.index(row, OverviewTableModel::Lag));
        QCOMPARE(changed[0][1].toModelIndex(), model.index(row, OverviewTableModel::Lag));
        QCOMPARE(summaries.size(), 1);
        QCOMPARE(summaries[0][0].toStringList(), QStringList{QStringLiteral("f7")});
        QCOMPARE(moved.size() + reset.size(), 0);

        // A flow in trouble moves to the top: rows move, the selection follows.
        const QPersistentModelIndex selected = model.index(row, OverviewTableModel::Flow);
        figures[7].status = LagStatus::Stopped;
        model.apply(figures);
        QCOMPARE(moved.size(), 1);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(selected.row(), 0);
        QCOMPARE(selected.data().toString(), QStringLiteral("f7"));
    }

    void deadLettersJoinTheirFlow()
    {
        OverviewTableModel model;
        DeadLetterDigest digest(QStringLiteral("f1"), QStringLiteral("f1.dlq"));
        model.applyDeadLetters(digest); // before the flow's figures: kept for it
        model.apply(flows(2));
        QCOMPARE(model.summary(QStringLiteral("f1"))->deadLetterHead.read, 0);
        QCOMPARE(model.index(model.order().indexOf(QStringLiteral("f1")), OverviewTableModel::Failure).data().toString(),
                 QStringLiteral("No dead letters read"));
        QCOMPARE(model.index(model.order().indexOf(QStringLiteral("f0")), OverviewTableModel::Failure).data().toString(),
                 QString());
    }
};

QTEST_GUILESS_MAIN(TestOverviewTableModel)
#include "tst_overviewtablemodel.moc"
