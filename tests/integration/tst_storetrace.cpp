// Proves a store's side of a trace reads the registry row, the attempts log
// and the logical duplicates in one transaction, and that duplicates which
// run out of their own budget (no index on entity key and type) leave the
// row and attempts standing, with a note saying why they were not checked.

#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/trace/storetrace.h"

#include <pqxx/pqxx>

#include <QtTest>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

class TestStoreTrace : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LocalPostgres> m_pg;
    models::StoreConfig m_store;

private slots:
    void initTestCase()
    {
        auto started = LocalPostgres::start();
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_pg = std::move(started.value());
        pqxx::connection c(m_pg->connectionString().toStdString());
        pqxx::nontransaction tx(c);
        tx.exec0("CREATE TABLE processed_events (event_id text PRIMARY KEY, entity_key text, event_type text, "
                 "event_version int, status text NOT NULL, attempts int NOT NULL, first_seen_at timestamptz NOT NULL "
                 "DEFAULT now(), processed_at timestamptz, result text)");
        tx.exec0("CREATE TABLE processing_attempts (event_id text NOT NULL, attempt int NOT NULL, outcome text NOT NULL, "
                 "error text, at timestamptz NOT NULL DEFAULT now())");
        tx.exec0("INSERT INTO processed_events VALUES ('e-1', 'order-1', 'order.paid', 1, 'processed', 2, now(), now(), 'ok'), "
                 "('e-2', 'order-1', 'order.paid', 1, 'duplicate', 1, now(), now(), 'ok')");
        tx.exec0("INSERT INTO processing_attempts VALUES ('e-1', 1, 'failed', 'timeout', now() - interval '1 minute'), "
                 "('e-1', 2, 'processed', NULL, now())");
        m_store.name = QStringLiteral("billing");
        m_store.connection = m_pg->connectionString();
    }

    void rowAttemptsAndDuplicatesInOneLookup()
    {
        auto session = trace::openStoreSession(m_store);
        const trace::StoreTrace t = trace::traceStore(*session, m_store, QStringLiteral("billing"), QStringLiteral("e-1"),
                                                      PollControl::within(10s));
        QVERIFY2(t.record.checked, qPrintable(t.record.error));
        QVERIFY(t.record.hasRow);
        QCOMPARE(t.record.status, QStringLiteral("processed"));
        QCOMPARE(t.record.attempts, 2);
        QVERIFY(t.duplicatesNote.isEmpty());
        int attempts = 0, duplicates = 0;
        for (const models::TraceHop &h : t.hops) {
            attempts += h.kind == models::HopKind::Failed || h.kind == models::HopKind::Processed ? 1 : 0;
            if (h.kind == models::HopKind::LogicalDuplicate) {
                ++duplicates;
                QCOMPARE(h.otherEventId, QStringLiteral("e-2"));
            }
        }
        QCOMPARE(attempts, 2);
        QCOMPARE(duplicates, 1);
    }

    void slowDuplicatesLeaveTheRowStanding()
    {
        // Enough rows without an index on (entity_key, event_type) that the
        // duplicates' scan cannot finish within 1 ms.
        {
            pqxx::connection c(m_pg->connectionString().toStdString());
            pqxx::nontransaction tx(c);
            tx.exec0("INSERT INTO processed_events SELECT 'x-' || i, 'order-' || i, 'order.paid', 1, 'processed', 1, "
                     "now(), now(), 'ok' FROM generate_series(1, 400000) i");
            tx.exec0("ANALYZE processed_events");
        }
        auto session = trace::openStoreSession(m_store);
        const trace::StoreTrace t = trace::traceStore(*session, m_store, QStringLiteral("billing"), QStringLiteral("e-1"),
                                                      PollControl::within(10s), 1ms);
        QVERIFY2(t.record.checked, qPrintable(t.record.error));
        QVERIFY(t.record.hasRow);
        QCOMPARE(t.record.attempts, 2);
        QVERIFY2(t.duplicatesNote.startsWith(QStringLiteral("logical duplicates not checked: the query did not finish "
                                                            "within 1 ms")),
                 qPrintable(t.duplicatesNote));
        int attempts = 0;
        for (const models::TraceHop &h : t.hops)
            attempts += h.kind == models::HopKind::Failed || h.kind == models::HopKind::Processed ? 1 : 0;
        QCOMPARE(attempts, 2);
        // The session is usable for the next lookup.
        const trace::StoreTrace again = trace::traceStore(*session, m_store, QStringLiteral("billing"),
                                                          QStringLiteral("e-2"), PollControl::within(10s), 5s);
        QVERIFY2(again.record.checked, qPrintable(again.record.error));
        QCOMPARE(again.record.status, QStringLiteral("duplicate"));
    }
};

QTEST_GUILESS_MAIN(TestStoreTrace)
#include "tst_storetrace.moc"
