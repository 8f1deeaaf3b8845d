// Proves the trace verdict picks the right rule and says it in the words a
// support person reads, for each shape of trace the issue names, and that
// event_ids are checked and hops ordered in time.

#include "models/trace/trace.h"
#include "models/trace/verdict.h"

#include <QJsonArray>
#include <QTest>

using namespace idem::models;

namespace {

QDateTime at(int minute, int second = 0)
{
    return QDateTime(QDate(2026, 12, 1), QTime(9, minute, second), Qt::UTC);
}

TraceHop produced(int partition, qint64 offset, int minute)
{
    TraceHop h;
    h.kind = HopKind::Produced;
    h.system = h.topic = QStringLiteral("orders.events");
    h.partition = partition;
    h.offset = offset;
    h.time = at(minute);
    return h;
}

TraceHop storeHop(HopKind kind, const QString &store, int attempt, const QString &error = {}, const QString &status = {})
{
    TraceHop h;
    h.kind = kind;
    h.system = store;
    h.attempt = attempt;
    h.error = error;
    h.status = status;
    h.time = at(10, attempt);
    return h;
}

TraceHop consumed(const QString &group, const TraceHop &copy)
{
    TraceHop h = copy;
    h.kind = HopKind::Consumed;
    h.system = h.group = group;
    h.time = {};
    return h;
}

TraceHop deadLetter(const QString &group, const QString &error)
{
    TraceHop h;
    h.kind = HopKind::DeadLettered;
    h.system = h.topic = QStringLiteral("orders.dlq");
    h.partition = 0;
    h.offset = 17;
    h.group = group;
    h.error = error;
    h.time = at(20);
    return h;
}

StoreRecord row(const QString &store, const QString &status, int attempts, const QString &result = {})
{
    StoreRecord r;
    r.store = r.group = store;
    r.checked = true;
    r.hasRow = !status.isEmpty();
    r.status = status;
    r.attempts = attempts;
    r.result = result;
    return r;
}

TraceResult twoGroups()
{
    TraceResult t;
    t.query.eventId = QStringLiteral("e-1");
    t.groups = {{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("billing")},
                {QStringLiteral("orders"), QStringLiteral("shipping"), QStringLiteral("shipping")}};
    return t;
}

} // namespace

class TestTraceVerdict : public QObject
{
    Q_OBJECT

private slots:
    void verdict_data()
    {
        QTest::addColumn<TraceResult>("trace");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("text");

        {
            TraceResult t = twoGroups();
            const TraceHop a = produced(3, 1200, 1), b = produced(3, 1201, 1);
            t.hops = {a, b, storeHop(HopKind::Processed, "billing", 1), storeHop(HopKind::SkippedDuplicate, "billing", 1),
                      storeHop(HopKind::Processed, "shipping", 1), storeHop(HopKind::SkippedDuplicate, "shipping", 1)};
            t.stores = {row("billing", "processed", 1), row("shipping", "processed", 1)};
            QTest::newRow("delivered twice, idempotency held")
                << t << "delivered_twice"
                << "Delivered twice (orders.events 3@1200 and 3@1201). billing and shipping each processed it once "
                   "and skipped the copy: idempotency held.";
        }
        {
            TraceResult t = twoGroups();
            t.hops = {produced(3, 1200, 1), storeHop(HopKind::Processed, "billing", 1)};
            for (int a = 1; a <= 4; ++a)
                t.hops << storeHop(HopKind::Failed, "shipping", a, "unsupported event_version 2", a < 4 ? "retry_scheduled" : "dead_lettered");
            t.hops << deadLetter("shipping", "unsupported event_version 2");
            t.stores = {row("billing", "processed", 1), row("shipping", "dead_lettered", 4, "unsupported event_version 2")};
            QTest::newRow("fails in one consumer")
                << t << "fails_in_one_consumer"
                << "Processed by billing (attempt 1). Failed in shipping 4× with 'unsupported event_version 2', now in "
                   "orders.dlq. Fails in one consumer only: look at shipping.";
        }
        {
            TraceResult t = twoGroups();
            t.hops = {produced(1, 5, 1)};
            for (const char *store : {"billing", "shipping"}) {
                for (int a = 1; a <= 4; ++a)
                    t.hops << storeHop(HopKind::Failed, store, a, "payload is not JSON");
                t.hops << deadLetter(store, "payload is not JSON");
            }
            t.stores = {row("billing", "dead_lettered", 4), row("shipping", "dead_lettered", 4)};
            QTest::newRow("poison: fails everywhere")
                << t << "fails_everywhere"
                << "Fails the same way in every consumer ('payload is not JSON'): the source data is likely invalid.";
        }
        {
            TraceResult t = twoGroups();
            const TraceHop copy = produced(2, 1234, 1);
            t.hops = {copy, consumed("billing", copy), consumed("shipping", copy), storeHop(HopKind::Processed, "shipping", 1)};
            t.stores = {row("billing", {}, 0), row("shipping", "processed", 1)};
            QTest::newRow("committed past, no row")
                << t << "lost_by_consumer"
                << "billing committed past orders.events 2@1234 but has no row for it: billing may have lost this event.";
        }
        {
            TraceResult t = twoGroups();
            t.hops = {produced(0, 9, 1), storeHop(HopKind::Processed, "billing", 1), storeHop(HopKind::SkippedDuplicate, "billing", 1),
                      storeHop(HopKind::Processed, "shipping", 1)};
            t.stores = {row("billing", "processed", 1), row("shipping", "processed", 1)};
            QTest::newRow("redelivered")
                << t << "redelivered"
                << "Delivered once (orders.events 0@9), received again by billing, which skipped the copy: idempotency held.";
        }
        {
            TraceResult t = twoGroups();
            t.hops = {produced(0, 9, 1), storeHop(HopKind::Processed, "billing", 1), storeHop(HopKind::Processed, "shipping", 1)};
            t.stores = {row("billing", "processed", 1), row("shipping", "processed", 1)};
            QTest::newRow("processed")
                << t << "processed" << "Processed by billing (attempt 1) and shipping (attempt 1), produced at orders.events 0@9.";
        }
        {
            TraceResult t = twoGroups();
            t.hops = {produced(0, 9, 1), storeHop(HopKind::Processed, "billing", 1)};
            t.stores = {row("billing", "processed", 1), row("shipping", {}, 0)};
            QTest::newRow("in flight")
                << t << "in_flight" << "Produced at orders.events 0@9; shipping has not reached it yet (not committed past it, no row).";
        }
        {
            TraceResult t = twoGroups();
            t.hops = {produced(0, 9, 1), storeHop(HopKind::Processed, "billing", 1), storeHop(HopKind::Failed, "shipping", 1, "timeout", "retry_scheduled")};
            t.stores = {row("billing", "processed", 1), row("shipping", "retry_scheduled", 1, "timeout")};
            // A failure with a retry to come in one consumer, processed in the other.
            QTest::newRow("failing in one, retry pending")
                << t << "fails_in_one_consumer"
                << "Processed by billing (attempt 1). Failed in shipping with 'timeout'. Fails in one consumer only: look at shipping.";
        }
        {
            TraceResult t = twoGroups();
            t.query.from = at(0);
            t.query.to = QDateTime(QDate(2026, 12, 1), QTime(10, 0), Qt::UTC);
            for (int p = 0; p <= 5; ++p)
                t.scanned << ScannedRange{QStringLiteral("orders.events"), p, p == 2 || p == 4 ? 8000 : 7000, 9000};
            t.notScanned << NotScannedRange{QStringLiteral("orders.events"), 2, 7000, 8000, NotScannedReason::Retention, {}}
                         << NotScannedRange{QStringLiteral("orders.events"), 4, 7000, 8000, NotScannedReason::Retention, {}};
            t.stores = {row("billing", {}, 0), row("shipping", {}, 0)};
            QTest::newRow("not found, with ranges")
                << t << "not_found"
                << "Not found in orders.events[0–5] between 09:00 and 10:00 UTC; partitions 2 and 4 of orders.events "
                   "before offset 8000 are past retention.";
        }
        {
            TraceResult t = twoGroups();
            t.scanned << ScannedRange{QStringLiteral("orders.events"), 0, 0, 100};
            t.notScanned << NotScannedRange{QStringLiteral("orders.events"), 1, 40, 100, NotScannedReason::Cancelled, {}};
            t.stores = {row("billing", {}, 0), row("shipping", {}, 0)};
            QTest::newRow("not found, cancelled")
                << t << "not_found"
                << "Not found in orders.events[0]; partition 1 of orders.events from offset 40 is not read (cancelled).";
        }
        {
            // Searched through the event index (partitions 0-2), the newest records of 3 scanned.
            TraceResult t = twoGroups();
            for (int p = 0; p <= 2; ++p)
                t.notScanned << NotScannedRange{QStringLiteral("orders.events"), p, 0, 500, NotScannedReason::Indexed, {}};
            t.scanned << ScannedRange{QStringLiteral("orders.events"), 3, 490, 500};
            t.stores = {row("billing", {}, 0), row("shipping", {}, 0)};
            QTest::newRow("not found, through the event index")
                << t << "not_found" << "Not found in orders.events[0–3].";
        }
        {
            TraceResult t = twoGroups();
            t.notScanned << NotScannedRange{QStringLiteral("orders.events"), -1, -1, -1, NotScannedReason::Error, QStringLiteral("all brokers down")}
                         << NotScannedRange{QStringLiteral("orders.dlq"), -1, -1, -1, NotScannedReason::Error, QStringLiteral("all brokers down")};
            t.stores = {row("billing", {}, 0), row("shipping", {}, 0)};
            QTest::newRow("not found, cluster down")
                << t << "not_found" << "Not found: no topic could be read; orders.events and orders.dlq are not readable.";
        }
        {
            TraceResult t = twoGroups();
            t.hops = {produced(0, 9, 1), storeHop(HopKind::Processed, "billing", 1)};
            StoreRecord down;
            down.store = down.group = QStringLiteral("shipping");
            down.error = QStringLiteral("connection refused");
            t.stores = {row("billing", "processed", 1), down};
            QTest::newRow("a store down: the rest completes")
                << t << "processed"
                << "Processed by billing (attempt 1), produced at orders.events 0@9. Could not check store shipping.";
        }
        {
            TraceResult t = twoGroups();
            t.stores = {row("billing", "processed", 1), row("shipping", "processed", 2)};
            TraceHop dup;
            dup.kind = HopKind::LogicalDuplicate;
            dup.system = QStringLiteral("billing");
            dup.otherEventId = QStringLiteral("e-2");
            t.hops = {dup};
            QTest::newRow("store only, logical duplicate")
                << t << "store_only"
                << "Recorded by billing (processed) and shipping (processed), but no copy was found on the topics read. "
                   "The same entity and event type also appear under event_id e-2 (billing): a logical duplicate.";
        }
    }

    void verdict()
    {
        QFETCH(TraceResult, trace);
        QFETCH(QString, code);
        QFETCH(QString, text);
        const Verdict v = traceVerdict(trace);
        QCOMPARE(v.code, code);
        QCOMPARE(v.text, text);
        QVERIFY(verdictCodes().contains(code));
    }

    void eventIdChecks_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("error");
        QTest::newRow("fine") << "orders-3-1200" << "";
        QTest::newRow("empty") << "" << "the event_id is empty: give the event_id to trace";
        QTest::newRow("long") << QString(257, QLatin1Char('a')) << "the event_id is 257 characters long; an event_id has at most 256";
        QTest::newRow("256 is fine") << QString(256, QLatin1Char('a')) << "";
        QTest::newRow("newline") << "abc\ndef"
                                 << "the event_id holds a control character (U+000a at position 4); paste the event_id "
                                    "alone, without line breaks or tabs";
    }

    void eventIdChecks()
    {
        QFETCH(QString, id);
        QFETCH(QString, error);
        QCOMPARE(checkEventId(id), error);
    }

    void hopsInTimeOrder()
    {
        const TraceHop late = produced(0, 2, 5), early = produced(0, 1, 1);
        QList<TraceHop> hops{late, consumed("billing", late), early, consumed("billing", early)};
        sortHops(hops);
        QCOMPARE(hops[0].offset, 1);
        QCOMPARE(hops[1].kind, HopKind::Consumed);
        QCOMPARE(hops[1].offset, 1);
        QCOMPARE(hops[2].offset, 2);
        QCOMPARE(hops[3].kind, HopKind::Consumed);
    }

    void rangesMergeAndPartitionRuns()
    {
        const auto merged = mergeRanges({{"t", 0, 10, 20}, {"t", 0, 0, 10}, {"t", 1, 5, 6}, {"t", 0, 30, 40}});
        QCOMPARE(merged.size(), 3);
        QCOMPARE(merged[0].from, 0);
        QCOMPARE(merged[0].to, 20);
        QCOMPARE(describePartitions("orders.events", {5, 0, 1, 2, 4}), QStringLiteral("orders.events[0–2,4–5]"));
        // An empty partition counts as looked at, once, unless something of it was read.
        const auto withEmpty = mergeRanges({{"t", 2, 7, 7}, {"t", 2, 7, 7}, {"t", 3, 5, 5}, {"t", 3, 0, 5}});
        QCOMPARE(withEmpty.size(), 2);
        QCOMPARE(withEmpty[0].partition, 2);
        QCOMPARE(withEmpty[0].from, 7);
        QCOMPARE(withEmpty[0].to, 7);
        QCOMPARE(withEmpty[1].to, 5);
    }

    void jsonCarriesTheIssuesFields()
    {
        TraceResult t = twoGroups();
        t.hops = {produced(3, 1200, 1), storeHop(HopKind::Failed, "shipping", 2, "boom", "retry_scheduled")};
        t.notScanned << NotScannedRange{QStringLiteral("orders.events"), 1, 0, 10, NotScannedReason::Budget, {}};
        t.verdict = traceVerdict(t);
        const QJsonObject j = traceToJson(t);
        QCOMPARE(j.value("event_id").toString(), QStringLiteral("e-1"));
        const QJsonObject first = j.value("hops").toArray().at(0).toObject();
        QCOMPARE(first.value("kind").toString(), QStringLiteral("produced"));
        QCOMPARE(first.value("topic").toString(), QStringLiteral("orders.events"));
        QCOMPARE(first.value("partition").toInt(), 3);
        QCOMPARE(first.value("offset").toInteger(), 1200);
        QCOMPARE(first.value("time").toString(), QStringLiteral("2026-12-01T09:01:00.000Z"));
        const QJsonObject failed = j.value("hops").toArray().at(1).toObject();
        QCOMPARE(failed.value("attempt").toInt(), 2);
        QCOMPARE(failed.value("error").toString(), QStringLiteral("boom"));
        QCOMPARE(failed.value("status").toString(), QStringLiteral("retry_scheduled"));
        QCOMPARE(j.value("not_scanned").toArray().at(0).toObject().value("reason").toString(), QStringLiteral("budget"));
        QCOMPARE(j.value("verdict").toObject().value("code").toString(), t.verdict.code);
    }
};

QTEST_GUILESS_MAIN(TestTraceVerdict)
#include "tst_traceverdict.moc"
