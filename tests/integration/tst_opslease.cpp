// Proves the ops database's lease gives each duty exactly one writer: of
// contenders racing, exactly one holds it; only the holder's writes reach a
// leased table (the database refuses anyone else's, raw SQL included); when
// the holder's session ends, the holder learns it on its next write (nothing
// written) and a contender takes over on its next try; a release hands it on.

#include "tests/support/opsdatabase.h"
#include "connectors/ops/migrations.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"

#include <pqxx/pqxx>

#include <QtTest>

#include <thread>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

class TestOpsLease : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LocalPostgres> m_pg;

    QString as(const QString &person) const { return testsupport::opsConnectionAs(*m_pg, person); }
    QString owner() const { return m_pg->connectionString(QStringLiteral("idem_ops")); }

    QString raw(const QString &person, const std::string &sql)
    {
        return testsupport::execSql(person.isEmpty() ? owner() : as(person), sql);
    }

    int rows()
    {
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        return tx.exec1("SELECT count(*) FROM idem.lease_probe")[0].as<int>();
    }

    static std::function<void(pqxx::transaction_base &)> insert(const QString &who)
    {
        return [who](pqxx::transaction_base &tx) {
            tx.exec_params("INSERT INTO idem.lease_probe VALUES ($1)", who.toStdString());
        };
    }

private slots:
    void initTestCase()
    {
        auto database = testsupport::startOpsDatabase({{"alice", "idem_operator"}, {"bob", "idem_approver"}, {"carol", "idem_viewer"}, {"mallory", ""}});
        QVERIFY2(database.ok(), qPrintable(database.error()));
        m_pg = std::move(database.value());
        // A table written under the index duty, as the event index is.
        QCOMPARE(raw({}, "CREATE TABLE idem.lease_probe (who text); "
                         "GRANT INSERT, SELECT ON idem.lease_probe TO idem_recorder; "
                         "CREATE TRIGGER lease_probe_lease BEFORE INSERT OR UPDATE OR DELETE ON idem.lease_probe "
                         "FOR EACH STATEMENT EXECUTE FUNCTION idem.require_lease('index')"),
                 QString());
    }

    void exactlyOneOfRacingContendersHoldsTheDuty()
    {
        const QStringList people{"alice", "bob", "carol", "alice", "bob", "carol"};
        std::vector<std::unique_ptr<ops::OpsLease>> leases;
        for (const QString &p : people)
            leases.push_back(std::make_unique<ops::OpsLease>(as(p), ops::LeaseDuty::Index, p));
        std::atomic_int holders{0};
        QStringList errors;
        std::mutex lock;
        std::vector<std::thread> threads;
        for (auto &lease : leases)
            threads.emplace_back([&, l = lease.get()] {
                auto held = l->acquireOrRenew(PollControl::within(20s));
                if (!held.ok()) {
                    std::lock_guard g(lock);
                    errors << held.error();
                } else if (*held) {
                    ++holders;
                }
            });
        for (auto &t : threads)
            t.join();
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
        QCOMPARE(holders.load(), 1);
        // The other duty is independent of this one.
        ops::OpsLease recorder(as("carol"), ops::LeaseDuty::Recorder, "carol's console");
        auto held = recorder.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(held.ok(), qPrintable(held.error()));
        QVERIFY(*held);
        // Everyone releases (the destructors), so the next test starts free.
    }

    void onlyTheHolderWritesAndTheHolderIsNamed()
    {
        const int before = rows();
        ops::OpsLease a(as("alice"), ops::LeaseDuty::Index, "idem console on desk-1 (pid 1)");
        ops::OpsLease b(as("carol"), ops::LeaseDuty::Index, "idemctl index run on srv (pid 2)");
        auto first = a.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(first.ok() && *first, qPrintable(first.error()));
        auto second = b.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(second.ok(), qPrintable(second.error()));
        QVERIFY(!*second);
        QVERIFY(a.held());
        QVERIFY(!b.held());
        // Renewing keeps it.
        auto renewed = a.acquireOrRenew(PollControl::within(10s));
        QVERIFY(renewed.ok() && *renewed);

        QVERIFY2(a.write(PollControl::within(10s), insert("alice")).ok(), "the holder writes");
        Status refused = b.write(PollControl::within(10s), insert("carol"));
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().contains("no longer holds the index lease"), qPrintable(refused.error()));
        // The database itself refuses a write outside the lease, raw SQL included.
        const QString raw1 = raw("carol", "INSERT INTO idem.lease_probe VALUES ('raw')");
        QVERIFY2(raw1.contains("does not hold the index lease"), qPrintable(raw1));
        // A login with no Idem role cannot contend at all.
        ops::OpsLease m(as("mallory"), ops::LeaseDuty::Index, "mallory");
        auto denied = m.acquireOrRenew(PollControl::within(10s));
        QVERIFY(!denied.ok());
        QCOMPARE(rows(), before + 1);

        postgres::PgSession viewer(as("carol"), {QStringLiteral("ops"), true, 5000});
        auto holders = ops::OpsLease::holders(viewer, PollControl::within(10s));
        QVERIFY2(holders.ok(), qPrintable(holders.error()));
        QCOMPARE(holders->size(), 1); // index; the recorder duty was released (its row went with it)
        const auto &index = holders->at(0);
        QCOMPARE(index.duty, QStringLiteral("index"));
        QVERIFY(index.alive);
        QCOMPARE(index.role, QStringLiteral("alice"));
        QVERIFY2(index.describe().startsWith("idem console on desk-1 (pid 1) as alice since "), qPrintable(index.describe()));

        // A release hands it on at the contender's next try.
        QVERIFY(a.release(PollControl::within(10s)).ok());
        QVERIFY(!a.held());
        auto taken = b.acquireOrRenew(PollControl::within(10s));
        QVERIFY(taken.ok() && *taken);
        QVERIFY(b.write(PollControl::within(10s), insert("carol")).ok());
        QCOMPARE(rows(), before + 2);
    }

    void aHolderWhoseSessionEndsStopsWritingAndIsReplaced()
    {
        ops::OpsLease a(as("alice"), ops::LeaseDuty::Index, "alice's console");
        ops::OpsLease b(as("bob"), ops::LeaseDuty::Index, "bob's console");
        auto first = a.acquireOrRenew(PollControl::within(10s));
        QVERIFY(first.ok() && *first);
        QVERIFY(a.write(PollControl::within(10s), insert("alice")).ok());
        const int before = rows();
        // The holder's connection is ended by the server (a killed console, a network cut).
        QCOMPARE(raw({}, "SELECT pg_terminate_backend(backend_pid) FROM idem.lease WHERE duty = 'index'"), QString());
        // Its next write fails or, on a reopened connection, is refused: nothing is written.
        Status lost = a.write(PollControl::within(10s), insert("alice"));
        if (lost.ok()) // the reconnect may happen inside write(): then the guard refuses
            QFAIL("a holder whose session ended wrote");
        QVERIFY(!a.held());
        QCOMPARE(rows(), before);
        // Until someone takes over, people see that nobody holds it and who did last.
        postgres::PgSession viewer(as("carol"), {QStringLiteral("ops"), true, 5000});
        auto holders = ops::OpsLease::holders(viewer, PollControl::within(10s));
        QVERIFY2(holders.ok(), qPrintable(holders.error()));
        QCOMPARE(holders->size(), 1);
        QVERIFY(!holders->at(0).alive);
        QVERIFY2(holders->at(0).describe().startsWith("nobody (last: alice's console as alice, until "),
                 qPrintable(holders->at(0).describe()));
        // The contender takes over on its next try, and the old holder cannot take it back.
        auto taken = b.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(taken.ok() && *taken, qPrintable(taken.error()));
        QVERIFY(b.write(PollControl::within(10s), insert("bob")).ok());
        auto again = a.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(again.ok(), qPrintable(again.error()));
        QVERIFY(!*again);
        QCOMPARE(rows(), before + 1);
    }
};

QTEST_GUILESS_MAIN(TestOpsLease)
#include "tst_opslease.moc"
