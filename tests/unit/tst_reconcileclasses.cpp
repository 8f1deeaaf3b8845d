// Proves the reconcile classification: each source event_id lands in exactly
// one class per group (processed, dead-lettered, in retry, pending, missing)
// by its row, the dead-letter topic and the committed offsets; extra rows and
// logical duplicates are found; copies are not differences; the verdict says
// what a person needs; the window is checked; text, JSON and CSV come from
// the same report; the table model passes QAbstractItemModelTester.

#include "models/reconcile/reconcile.h"
#include "models/reconcile/reconciletablemodel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QtTest>

using namespace idem::models;

namespace {

// One partition (orders.events[0], window offsets [0, 100)); events e0..eN at offsets 0..N.
SourceScan source(int n)
{
    SourceScan s;
    s.partitions = {{QStringLiteral("orders.events"), 0, 0, 100}};
    for (int i = 0; i < n; ++i)
        s.addMessage(QStringLiteral("e%1").arg(i), 0, i, 1000 + i);
    s.messages = n;
    return s;
}

using Rows = QList<RowState>;

} // namespace

class TestReconcile : public QObject
{
    Q_OBJECT

private slots:
    void classify_data()
    {
        QTest::addColumn<int>("row"); // RowState
        QTest::addColumn<qint64>("committed"); // -1: nothing committed
        QTest::addColumn<bool>("onDeadLetterTopic");
        QTest::addColumn<QString>("expected");

        // The event sits at offset 5.
        QTest::newRow("row processed") << int(RowState::Processed) << qint64(6) << false << "processed";
        QTest::newRow("row processed, not committed yet") << int(RowState::Processed) << qint64(2) << false << "processed";
        QTest::newRow("row dead-lettered") << int(RowState::DeadLettered) << qint64(6) << false << "dead_lettered";
        QTest::newRow("no row, on the dead-letter topic") << int(RowState::NoRow) << qint64(6) << true << "dead_lettered";
        QTest::newRow("processed wins over a dead letter copy") << int(RowState::Processed) << qint64(6) << true << "processed";
        QTest::newRow("row in retry") << int(RowState::InRetry) << qint64(6) << false << "in_retry";
        QTest::newRow("no row, committed past") << int(RowState::NoRow) << qint64(6) << false << "missing";
        QTest::newRow("no row, committed far past") << int(RowState::NoRow) << qint64(99) << false << "missing";
        QTest::newRow("no row, committed at it") << int(RowState::NoRow) << qint64(5) << false << "pending";
        QTest::newRow("no row, committed before it") << int(RowState::NoRow) << qint64(1) << false << "pending";
        QTest::newRow("no row, nothing committed") << int(RowState::NoRow) << qint64(-1) << false << "pending";
    }

    void classify()
    {
        QFETCH(int, row);
        QFETCH(qint64, committed);
        QFETCH(bool, onDeadLetterTopic);
        QFETCH(QString, expected);
        SourceScan s = source(10);
        GroupEvidence e;
        e.group = QStringLiteral("billing");
        e.store = QStringLiteral("billing");
        e.rows = Rows(10, RowState::Processed);
        e.rows[5] = RowState(row);
        e.committed = {std::max<qint64>(committed, 10)};
        // Every other event is processed; only e5's commit matters: give e5 its own partition.
        s.partitions.append({QStringLiteral("orders.events"), 1, 0, 10});
        s.events[5].partition = 1;
        e.committed.append(committed);
        if (onDeadLetterTopic)
            e.deadLettered.insert(QStringLiteral("e5"));
        const GroupReconcile g = classifyGroup(s, e);
        qint64 total = 0;
        for (int i = 0; i < kReconcileClassCount; ++i) {
            const auto c = ReconcileClass(i);
            if (c == ReconcileClass::Extra || c == ReconcileClass::LogicalDuplicate)
                continue;
            total += g.of(c).count;
            if (reconcileClassName(c) == expected)
                QVERIFY2(g.of(c).eventIds.contains(QStringLiteral("e5")), qPrintable(reconcileClassName(c)));
            else
                QVERIFY2(!g.of(c).eventIds.contains(QStringLiteral("e5")), qPrintable(reconcileClassName(c)));
        }
        QCOMPARE(total, qint64(10)); // each event exactly once
        QCOMPARE(g.reconciled(), expected != QLatin1String("missing"));
    }

    void eventIdSetAgreesWithAHash()
    {
        // Ids in the order first added, each found again, against a QHash of QStrings.
        EventIdSet set;
        QHash<QString, qsizetype> reference;
        QStringList order;
        const QStringList odd{QString(), QStringLiteral("é-ß-✓"), QString::fromUtf8("a\0b", 3), QStringLiteral("a"),
                              QString(QChar(0xfeff)) + QStringLiteral("bom"), QStringLiteral("🙂")};
        for (int i = 0; i < 200000; ++i) {
            const QString id = i < odd.size() ? odd[i] : QStringLiteral("ID-%1").arg((i * 7919) % 150000);
            bool added = false;
            const qsizetype at = set.insert(id, &added);
            QCOMPARE(added, !reference.contains(id));
            if (added) {
                reference.insert(id, order.size());
                order << id;
            }
            QCOMPARE(at, reference.value(id));
        }
        QCOMPARE(set.size(), order.size());
        for (qsizetype i = 0; i < order.size(); ++i) {
            QCOMPARE(set.text(i), order[i]);
            QCOMPARE(set.indexOf(order[i].toUtf8()), i);
        }
        QVERIFY(!set.contains(QStringLiteral("ID-150000")));
        QVERIFY(!set.contains(QStringLiteral("a\0")));
        QVERIFY(set.contains(QString()));
    }

    void messagesBecomeEventsAndCopies()
    {
        SourceScan s;
        s.partitions = {{QStringLiteral("orders.events"), 0, 0, 10}, {QStringLiteral("orders.events"), 1, 0, 10}};
        QCOMPARE(s.addMessage(QStringLiteral("a"), 0, 3), 0);
        QCOMPARE(s.addMessage(QStringLiteral("b"), 1, 4), 1);
        QCOMPARE(s.addMessage(QStringLiteral("a"), 1, 7), 0);
        QCOMPARE(s.addMessage(QByteArrayView("a"), 0, 9), 0);
        s.messages = 4;
        QCOMPARE(s.events.size(), 2);
        QCOMPARE(s.eventId(0), QStringLiteral("a"));
        QCOMPARE(s.events[0].copies, 3);
        QCOMPARE(s.events[0].offset, qint64(3));
        QCOMPARE(s.laterCopies.value(0), (QList<QPair<qint32, qint64>>{{1, 7}, {0, 9}}));
        QVERIFY(!s.laterCopies.contains(1));
        QCOMPARE(s.copies(), qint64(2));
    }

    void entityHashOfTextAndOfBytesAgree()
    {
        QCOMPARE(entityHash(QStringLiteral("o-1"), QStringLiteral("order.created")),
                 entityHashUtf8("o-1", "order.created"));
        QCOMPARE(entityHash(QStringLiteral("é"), QStringLiteral("t")), entityHashUtf8("\xc3\xa9", "t"));
        QCOMPARE(entityHash(QString(), QStringLiteral("t")), quint64(0));
        QCOMPARE(entityHashUtf8("k", ""), quint64(0));
        QVERIFY(entityHashUtf8("ab", "c") != entityHashUtf8("a", "bc"));
        QVERIFY(entityHashUtf8("k", "t") != 0);
    }

    void copyOnAnotherPartitionCommittedPast()
    {
        // Sent twice: the first copy on partition 0 (not committed), the second on 1 (committed past): missing.
        SourceScan s = source(1);
        s.partitions.append({QStringLiteral("orders.events"), 1, 0, 10});
        s.laterCopies[0] = {{1, 4}};
        s.events[0].copies = 2;
        s.messages = 2;
        GroupEvidence e;
        e.group = QStringLiteral("shipping");
        e.rows = {RowState::NoRow};
        e.committed = {0, 5};
        const GroupReconcile g = classifyGroup(s, e);
        QCOMPARE(g.of(ReconcileClass::Missing).eventIds, QStringList{QStringLiteral("e0")});
        QCOMPARE(g.copies, qint64(1));
    }

    void copiesAreNotDifferences()
    {
        SourceScan s = source(3);
        s.events[1].copies = 3;
        s.laterCopies[1] = {{0, 50}, {0, 51}};
        s.messages = 5;
        GroupEvidence e;
        e.group = QStringLiteral("billing");
        e.rows = Rows(3, RowState::Processed);
        e.committed = {52};
        const GroupReconcile g = classifyGroup(s, e);
        QVERIFY(g.reconciled());
        QCOMPARE(g.of(ReconcileClass::Processed).count, qint64(3));
        QCOMPARE(g.copies, qint64(2));
        QCOMPARE(g.verdict, QStringLiteral("billing: reconciled: 3 processed, 2 copies skipped"));
    }

    void extraAndLogicalDuplicates()
    {
        SourceScan s = source(3);
        s.producedBefore.insert(QStringLiteral("early"));
        s.lookbackMs = 300000;
        GroupEvidence e;
        e.group = QStringLiteral("billing");
        e.store = QStringLiteral("billing");
        e.rows = Rows(3, RowState::Processed);
        e.rowEntities = {entityHash("o-1", "order.created"), entityHash("o-2", "order.created"), 0};
        e.committed = {3};
        e.windowRows = {{QStringLiteral("x2"), RowState::Processed, entityHash("o-1", "order.created")},
                        {QStringLiteral("x1"), RowState::Processed, 0},
                        {QStringLiteral("early"), RowState::Processed, 0}};
        const GroupReconcile g = classifyGroup(s, e);
        QCOMPARE(g.of(ReconcileClass::Extra).eventIds, QStringList({"x1", "x2"}));
        QCOMPARE(g.of(ReconcileClass::LogicalDuplicate).eventIds, QStringList({"e0", "x2"}));
        QVERIFY(!g.reconciled());
        QVERIFY2(g.verdict.startsWith(QStringLiteral("billing: 2 extra rows — not on the source topics in the window nor in the 300 s before it: produced elsewhere")),
                 qPrintable(g.verdict));
        s.retentionCut = {QStringLiteral("orders.events[0]")};
        QVERIFY(classifyGroup(s, e).extraExplanation.contains(QStringLiteral("likely past retention")));
    }

    void verdicts_data()
    {
        QTest::addColumn<Rows>("rows");
        QTest::addColumn<qint64>("committed");
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("verdict");
        QTest::newRow("missing") << Rows{RowState::NoRow, RowState::NoRow, RowState::NoRow, RowState::Processed} << qint64(4) << QString()
                                 << QStringLiteral("shipping: 3 events missing — committed past, no row: likely lost by shipping");
        QTest::newRow("pending") << Rows{RowState::Processed, RowState::NoRow} << qint64(1) << QString()
                                 << QStringLiteral("shipping: reconciled: 1 processed, 0 copies skipped; 1 pending (not committed yet: lag, not loss)");
        QTest::newRow("down") << Rows{} << qint64(0) << QStringLiteral("connection refused")
                              << QStringLiteral("could not check shipping-db: connection refused");
    }

    void verdicts()
    {
        QFETCH(Rows, rows);
        QFETCH(qint64, committed);
        QFETCH(QString, error);
        QFETCH(QString, verdict);
        SourceScan s = source(int(rows.size()));
        GroupEvidence e;
        e.group = QStringLiteral("shipping");
        e.store = QStringLiteral("shipping-db");
        e.rows = rows;
        e.committed = {committed};
        e.error = error;
        QCOMPARE(classifyGroup(s, e).verdict, verdict);
    }

    void idsAreCapped()
    {
        SourceScan s = source(50);
        GroupEvidence e;
        e.rows = Rows(50, RowState::NoRow);
        e.committed = {100};
        const GroupReconcile g = classifyGroup(s, e, 10);
        QCOMPARE(g.of(ReconcileClass::Missing).count, qint64(50));
        QCOMPARE(g.of(ReconcileClass::Missing).eventIds.size(), 10);
    }

    void window_data()
    {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("error");
        QTest::newRow("fine") << "2026-12-01T09:00Z" << "2026-12-01T10:00Z" << "";
        QTest::newRow("ends in the future") << "2026-12-01T11:00Z" << "2026-12-01T13:00Z" << "";
        QTest::newRow("from after to") << "2026-12-01T10:00Z" << "2026-12-01T09:00Z"
                                       << "the window's start (2026-12-01T10:00:00.000Z) is not before its end (2026-12-01T09:00:00.000Z): give --from before --to";
        QTest::newRow("empty") << "2026-12-01T10:00Z" << "2026-12-01T10:00Z" << "the window's start (2026-12-01T10:00:00.000Z) is not before its end (2026-12-01T10:00:00.000Z): give --from before --to";
        QTest::newRow("future") << "2026-12-01T13:00Z" << "2026-12-01T14:00Z"
                                << "the window starts in the future (2026-12-01T13:00:00.000Z, now is 2026-12-01T12:00:00.000Z): nothing has been produced in it yet";
    }

    void window()
    {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, error);
        const QDateTime now = QDateTime::fromString(QStringLiteral("2026-12-01T12:00Z"), Qt::ISODate);
        QCOMPARE(checkReconcileWindow(QDateTime::fromString(from, Qt::ISODate), QDateTime::fromString(to, Qt::ISODate), now), error);
    }

    void presets()
    {
        const QDateTime now = QDateTime::fromString(QStringLiteral("2026-12-01T12:00Z"), Qt::ISODate);
        const ReconcileWindow hour = presetWindow(WindowPreset::LastHour, now);
        QCOMPARE(hour.from.secsTo(hour.to), 3600);
        QCOMPARE(hour.to, now);
        const ReconcileWindow y = presetWindow(WindowPreset::Yesterday, now);
        const ReconcileWindow t = presetWindow(WindowPreset::Today, now);
        QCOMPARE(y.to, t.from);
        QCOMPARE(y.from.toLocalTime().time(), QTime(0, 0));
        QCOMPARE(t.to, now);
    }

    void reportRenderings()
    {
        SourceScan s = source(4);
        s.unreadable = 1;
        s.messages = 6; // 4 events, 1 copy, 1 unreadable
        s.unreadableReasons.insert(QStringLiteral("could not read event_id: no header event_id"), 1);
        GroupEvidence ok;
        ok.group = ok.store = QStringLiteral("billing");
        ok.rows = Rows(4, RowState::Processed);
        ok.committed = {4};
        GroupEvidence lost = ok;
        lost.group = lost.store = QStringLiteral("shipping");
        lost.rows[2] = RowState::NoRow;
        GroupEvidence down;
        down.group = down.store = QStringLiteral("ledger");
        down.error = QStringLiteral("timeout");
        const QDateTime from = QDateTime::fromString(QStringLiteral("2026-12-01T09:00Z"), Qt::ISODate);
        const ReconcileReport r = buildReconcileReport(QStringLiteral("orders"), {from, from.addSecs(3600)},
                                                       {QStringLiteral("orders.events")}, s, {ok, lost, down}, 100);
        QCOMPARE(r.copies, qint64(1));
        QVERIFY(!r.reconciled());
        QVERIFY(!r.complete());
        const QJsonObject j = reconcileToJson(r, 100, false);
        QCOMPARE(j.value("source").toObject().value("unreadable").toInteger(), 1);
        const QJsonArray groups = j.value("groups").toArray();
        QCOMPARE(groups.size(), 3);
        QCOMPARE(groups[1].toObject().value("event_ids").toObject().value("missing").toArray(), QJsonArray({"e2"}));
        QVERIFY(!groups[1].toObject().value("event_ids").toObject().contains("processed"));
        QCOMPARE(groups[2].toObject().value("error").toString(), QStringLiteral("could not check ledger: timeout"));
        const QString text = reconcileToText(r, 100);
        QVERIFY(text.contains(QStringLiteral("  missing: e2")));
        QVERIFY(text.contains(QStringLiteral("could not check ledger: timeout")));
        const QString csv = reconcileToCsv(r, false);
        QVERIFY(csv.contains(QStringLiteral("orders,2026-12-01T09:00:00.000Z,2026-12-01T10:00:00.000Z,shipping,shipping,missing,1,e2\r\n")));
        QVERIFY(csv.contains(QStringLiteral(",ledger,ledger,error,,could not check ledger: timeout\r\n")));

        ReconcileTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReport(r);
        QCOMPARE(model.rowCount(), 3);
        const int missing = ReconcileTableModel::FirstClass + int(ReconcileClass::Missing);
        QCOMPARE(model.index(1, missing).data(Qt::UserRole).toLongLong(), 1);
        QCOMPARE(model.headerData(missing, Qt::Horizontal).toString(), QStringLiteral("Missing"));
        QCOMPARE(model.index(2, missing).data().toString(), QStringLiteral("—"));
    }
};

QTEST_GUILESS_MAIN(TestReconcile)
#include "tst_reconcileclasses.moc"
