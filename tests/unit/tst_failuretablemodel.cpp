// The Flows page's dead-letter failures table under QAbstractItemModelTester:
// digests of several flows arriving, the shown flow switching, figures
// changing in place and groups appearing, and clearing.

#include "models/envelope/failuretablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace idem::models;

namespace {

DeadLetterDigest digest(const QString &flow, const QList<QPair<QString, int>> &failures)
{
    DeadLetterDigest d(flow, flow + QStringLiteral(".dlq"));
    qint64 offset = 0;
    for (const auto &[cls, count] : failures) {
        for (int i = 0; i < count; ++i) {
            RawMessage m;
            m.topic = d.topic();
            m.partition = 0;
            m.offset = offset++;
            m.timestampMs = 1000 * offset;
            DecodedEnvelope e;
            e.eventId = QStringLiteral("e%1").arg(offset);
            e.consumerGroup = QStringLiteral("billing");
            e.errorClass = cls;
            e.error = cls + QStringLiteral(" failed");
            d.add(m, e);
        }
    }
    return d;
}

} // namespace

class TestFailureTableModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsFollowTheShownFlow()
    {
        FailureTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(FailureTableModel::ColumnCount));

        model.applyDigest(digest(QStringLiteral("orders"), {{QStringLiteral("Timeout"), 3}, {QStringLiteral("Poison"), 1}}));
        model.applyDigest(digest(QStringLiteral("payments"), {{QStringLiteral("Refused"), 2}}));
        model.showFlow(QStringLiteral("orders"));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, FailureTableModel::Count).data(FailureTableModel::SortRole).toLongLong(), 3);
        QCOMPARE(model.index(0, FailureTableModel::Share).data(FailureTableModel::SortRole).toDouble(), 0.75);
        QCOMPARE(model.index(0, FailureTableModel::ConsumerGroups).data().toString(), QStringLiteral("billing"));

        // The same groups with new figures change in place.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.applyDigest(digest(QStringLiteral("orders"), {{QStringLiteral("Timeout"), 5}, {QStringLiteral("Poison"), 1}}));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(model.index(0, FailureTableModel::Count).data(FailureTableModel::SortRole).toLongLong(), 5);

        // A new group resets; another flow's digest leaves the rows alone.
        model.applyDigest(digest(QStringLiteral("orders"), {{QStringLiteral("Timeout"), 5}, {QStringLiteral("Poison"), 1}, {QStringLiteral("Schema"), 1}}));
        QCOMPARE(model.rowCount(), 3);
        const int resets = int(reset.count());
        model.applyDigest(digest(QStringLiteral("payments"), {{QStringLiteral("Refused"), 9}}));
        QCOMPARE(reset.count(), resets);
        QCOMPARE(model.rowCount(), 3);

        model.showFlow(QStringLiteral("payments"));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, FailureTableModel::Count).data(FailureTableModel::SortRole).toLongLong(), 9);
        model.showFlow(QStringLiteral("unknown"));
        QCOMPARE(model.rowCount(), 0);
        model.showFlow(QStringLiteral("orders"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.digest(QStringLiteral("orders")).read(), 0);
    }
};

QTEST_GUILESS_MAIN(TestFailureTableModel)
#include "tst_failuretablemodel.moc"
