// Proves the ops database enforces the four-eyes rules itself, whoever asks
// and however (the replay functions or raw SQL as that role): migrations apply
// once and refuse an edited file; a viewer cannot request; nobody approves
// their own request, an expired one, or items other than those reviewed; one
// executor per request, the next resuming when it is gone; the audit log
// refuses UPDATE, DELETE and TRUNCATE for every role, its owner included, and
// its chain check names the row a superuser edited; every change is notified.

#include "tests/support/opsdatabase.h"
#include "connectors/ops/migrations.h"
#include "connectors/ops/replayservice.h"
#include "connectors/ops/replaystore.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"

#include <pqxx/pqxx>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

class TestOpsDatabase : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LocalPostgres> m_pg;
    QMap<QString, QString> m_passwords;

    QString as(const QString &person) const
    {
        return QStringLiteral("host=127.0.0.1 port=%1 dbname=idem_ops user=%2 password=%3")
            .arg(m_pg->port())
            .arg(person, m_passwords.value(person));
    }
    QString owner() const { return m_pg->connectionString(QStringLiteral("idem_ops")); }

    // Raw SQL as `person`; the server's error text, empty when it ran.
    QString raw(const QString &person, const std::string &sql)
    {
        return testsupport::execSql(person.isEmpty() ? owner() : as(person), sql);
    }

    static QList<models::ReplayItemSpec> items(int n, int firstOffset = 0)
    {
        QList<models::ReplayItemSpec> list;
        for (int i = 0; i < n; ++i) {
            models::ReplayItemSpec item;
            item.dlqTopic = QStringLiteral("orders.dlq");
            item.dlqPartition = 0;
            item.dlqOffset = firstOffset + i;
            item.eventId = QStringLiteral("evt-%1").arg(firstOffset + i);
            item.targetTopic = QStringLiteral("orders.events");
            item.key = QByteArray("order-") + QByteArray::number(i);
            item.payloadHash = QStringLiteral("ab");
            list << item;
        }
        return list;
    }

    qint64 newRequest(const QString &person, int n = 2, int firstOffset = 0)
    {
        ops::ReplayStore store(as(person));
        auto id = store.request(QStringLiteral("orders"), QStringLiteral("gateway outage"), items(n, firstOffset), {},
                                PollControl::within(10s));
        if (!id)
            qWarning("request failed: %s", qPrintable(id.error()));
        return id ? *id : -1;
    }

    QString hashOf(qint64 id)
    {
        ops::ReplayStore store(as(QStringLiteral("carol")));
        auto shown = store.show(id, PollControl::within(10s));
        return shown ? shown->request.itemsHash : QString();
    }

    qint64 approved(int firstOffset)
    {
        const qint64 id = newRequest(QStringLiteral("alice"), 2, firstOffset);
        ops::ReplayStore bob(as(QStringLiteral("bob")));
        auto d = bob.decide(id, true, hashOf(id), QStringLiteral("ok"), false, {}, PollControl::within(10s));
        return d ? id : -1;
    }

    // The server releases a closed session's locks shortly after it closes.
    static Result<ops::ReplayClaim> claimWithin(ops::ReplayStore &store, qint64 id, const QHash<QString, qint64> &marks)
    {
        QDeadlineTimer deadline(10s);
        while (true) {
            auto claim = store.claim(id, marks, PollControl::within(10s));
            if (claim.ok() || deadline.hasExpired())
                return claim;
            QTest::qWait(50);
        }
    }

private slots:
    void initTestCase()
    {
        auto started = LocalPostgres::start();
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_pg = std::move(started.value());
        pqxx::connection c(m_pg->connectionString().toStdString());
        pqxx::nontransaction tx(c);
        tx.exec0("CREATE DATABASE idem_ops");
        // erin is both operator and approver: the one who could approve her own request.
        const QList<QPair<QString, QString>> people{{"alice", "idem_operator"}, {"dave", "idem_operator"},
                                                    {"bob", "idem_approver"}, {"carol", "idem_viewer"},
                                                    {"erin", "idem_operator, idem_approver"}};
        for (const char *role : {"idem_viewer", "idem_operator", "idem_approver"})
            tx.exec0(std::string("CREATE ROLE ") + role + " NOLOGIN");
        for (const auto &[person, roles] : people) {
            m_passwords[person] = QStringLiteral("pw-") + person;
            tx.exec0("CREATE ROLE " + person.toStdString() + " LOGIN PASSWORD " +
                     tx.quote(m_passwords[person].toStdString()) + " IN ROLE " + roles.toStdString());
        }
        postgres::PgSession session(owner(), {QStringLiteral("ops"), false, 0});
        auto migrated = ops::applyMigrations(session, PollControl::within(60s));
        QVERIFY2(migrated.ok(), qPrintable(migrated.error()));
        QCOMPARE(migrated->appliedCount(), ops::shippedMigrations().size());
    }

    void migrationsApplyOnceAndRefuseAnEditedFile()
    {
        postgres::PgSession session(owner(), {QStringLiteral("ops"), false, 0});
        auto again = ops::applyMigrations(session, PollControl::within(60s));
        QVERIFY2(again.ok(), qPrintable(again.error()));
        QCOMPARE(again->appliedCount(), 0);
        // Two migrators at once: each new file is applied by exactly one of them.
        QList<ops::Migration> next = ops::shippedMigrations();
        next.append(ops::Migration{9001, QStringLiteral("9001_probe.sql"),
                                   "CREATE TABLE idem.probe (n int); INSERT INTO idem.probe VALUES (1);"});
        int applied[2] = {0, 0};
        QString errors[2];
        {
            std::thread a([&] {
                postgres::PgSession s(owner(), {QStringLiteral("ops"), false, 0});
                auto r = ops::applyMigrations(s, PollControl::within(60s), next);
                applied[0] = r ? r->appliedCount() : -1;
                errors[0] = r.error();
            });
            std::thread b([&] {
                postgres::PgSession s(owner(), {QStringLiteral("ops"), false, 0});
                auto r = ops::applyMigrations(s, PollControl::within(60s), next);
                applied[1] = r ? r->appliedCount() : -1;
                errors[1] = r.error();
            });
            a.join();
            b.join();
        }
        QVERIFY2(errors[0].isEmpty() && errors[1].isEmpty(), qPrintable(errors[0] + errors[1]));
        QCOMPARE(applied[0] + applied[1], 1);
        // The same version with other content is refused, naming both checksums.
        next.last().sql += " -- edited";
        auto edited = ops::applyMigrations(session, PollControl::within(60s), next);
        QVERIFY(!edited.ok());
        QVERIFY2(edited.error().contains(QStringLiteral("9001_probe.sql"))
                     && edited.error().contains(QStringLiteral("never edited"))
                     && edited.error().contains(next.last().sha256()),
                 qPrintable(edited.error()));
        QCOMPARE(raw({}, "SELECT 1 FROM idem.schema_version WHERE version = 9001 AND applied_by = 'idem'"), QString());
    }

    void viewerCannotRequest()
    {
        ops::ReplayStore carol(as(QStringLiteral("carol")));
        auto id = carol.request(QStringLiteral("orders"), QStringLiteral("why"), items(1), {}, PollControl::within(10s));
        QVERIFY(!id.ok());
        QVERIFY(carol.refused());
        QVERIFY2(id.error().contains(QStringLiteral("carol may not do this: it needs role idem_operator")),
                 qPrintable(id.error()));
        // Nor by writing the table herself, nor can an operator.
        QVERIFY(raw(QStringLiteral("carol"), "INSERT INTO idem.replay_request (flow, reason, requested_by, expires_at, "
                                             "items_hash, item_count) VALUES ('o', 'r', 'carol', now(), '', 0)")
                    .contains(QStringLiteral("permission denied")));
        QVERIFY(raw(QStringLiteral("alice"), "DELETE FROM idem.replay_item").contains(QStringLiteral("permission denied")));
        QVERIFY(raw(QStringLiteral("bob"), "UPDATE idem.replay_request SET status = 'approved'")
                    .contains(QStringLiteral("permission denied")));
    }

    void selfApprovalRefusedAlsoThroughRawSql()
    {
        const qint64 id = newRequest(QStringLiteral("erin"));
        QVERIFY(id > 0);
        ops::ReplayStore erin(as(QStringLiteral("erin")));
        auto d = erin.decide(id, true, hashOf(id), {}, false, {}, PollControl::within(10s));
        QVERIFY(!d.ok());
        QVERIFY(erin.refused());
        QVERIFY2(d.error().contains(QStringLiteral("erin requested replay %1 and cannot approve it").arg(id)),
                 qPrintable(d.error()));
        const QString viaSql = raw(QStringLiteral("erin"), QStringLiteral("SELECT idem.decide_replay(%1, 'approve', '%2')")
                                                               .arg(id)
                                                               .arg(hashOf(id))
                                                               .toStdString());
        QVERIFY2(viaSql.contains(QStringLiteral("cannot approve it")), qPrintable(viaSql));
        // SET ROLE does not change who is asking.
        const QString viaRole = raw(QStringLiteral("erin"), QStringLiteral("SET ROLE idem_approver; SELECT "
                                                                           "idem.decide_replay(%1, 'approve', '%2')")
                                                                .arg(id)
                                                                .arg(hashOf(id))
                                                                .toStdString());
        QVERIFY2(viaRole.contains(QStringLiteral("cannot approve it")), qPrintable(viaRole));
        // An operator is no approver; another approver may.
        ops::ReplayStore alice(as(QStringLiteral("alice")));
        QVERIFY(!alice.decide(id, true, hashOf(id), {}, false, {}, PollControl::within(10s)).ok());
        QVERIFY(alice.refused());
        ops::ReplayStore bob(as(QStringLiteral("bob")));
        auto ok = bob.decide(id, true, hashOf(id), QStringLiteral("checked"), false, {}, PollControl::within(10s));
        QVERIFY2(ok.ok(), qPrintable(ok.error()));
        QCOMPARE(*ok, QStringLiteral("approved"));
        auto shown = bob.show(id, PollControl::within(10s));
        QVERIFY(shown.ok());
        QCOMPARE(shown->request.approvedBy, QStringLiteral("bob"));
        QCOMPARE(shown->decisions.size(), 1);
        QCOMPARE(shown->decisions[0].comment, QStringLiteral("checked"));
    }

    void changedItemsInvalidateAnApproval()
    {
        const qint64 id = newRequest(QStringLiteral("alice"));
        const QString reviewed = hashOf(id);
        ops::ReplayStore bob(as(QStringLiteral("bob")));
        // A hash other than the items' is refused.
        auto stale = bob.decide(id, true, QString(64, QLatin1Char('0')), {}, false, {}, PollControl::within(10s));
        QVERIFY(!stale.ok());
        QVERIFY2(stale.error().contains(QStringLiteral("not the ones reviewed")), qPrintable(stale.error()));
        QVERIFY(bob.decide(id, true, reviewed, {}, false, {}, PollControl::within(10s)).ok());
        // The requester changes the items: the approval is void, the old hash no longer approves.
        ops::ReplayStore alice(as(QStringLiteral("alice")));
        auto amended = alice.amend(id, items(3, 100), PollControl::within(10s));
        QVERIFY2(amended.ok(), qPrintable(amended.error()));
        auto shown = bob.show(id, PollControl::within(10s));
        QCOMPARE(shown->request.status, QStringLiteral("pending"));
        QVERIFY(shown->request.approvedBy.isEmpty());
        QVERIFY(shown->request.itemsHash != reviewed);
        auto again = bob.decide(id, true, reviewed, {}, false, {}, PollControl::within(10s));
        QVERIFY(!again.ok());
        QVERIFY(bob.refused());
        QVERIFY(bob.decide(id, true, hashOf(id), {}, false, {}, PollControl::within(10s)).ok());
        // Claiming it is for its executor; it cannot be claimed from under it by raw SQL either.
        QVERIFY(raw(QStringLiteral("dave"), QStringLiteral("SELECT idem.record_items(%1, '[{\"item\": 1, \"state\": \"sent\"}]')")
                                                .arg(id)
                                                .toStdString())
                    .contains(QStringLiteral("does not hold the claim")));
    }

    void expiredAndRejectedNeedTheirRules()
    {
        const qint64 id = newRequest(QStringLiteral("alice"));
        ops::ReplayStore bob(as(QStringLiteral("bob")));
        auto noComment = bob.decide(id, false, hashOf(id), {}, false, {}, PollControl::within(10s));
        QVERIFY(!noComment.ok());
        QVERIFY2(noComment.error().contains(QStringLiteral("needs a comment")), qPrintable(noComment.error()));
        QCOMPARE(raw({}, QStringLiteral("UPDATE idem.replay_request SET expires_at = now() - interval '1 s' WHERE id = %1")
                             .arg(id)
                             .toStdString()),
                 QString());
        auto late = bob.decide(id, true, hashOf(id), {}, false, {}, PollControl::within(10s));
        QVERIFY(!late.ok());
        QVERIFY2(late.error().contains(QStringLiteral("expired")), qPrintable(late.error()));
        auto listed = bob.list(QStringLiteral("expired"), PollControl::within(10s));
        QVERIFY(listed.ok());
        QVERIFY(std::any_of(listed->cbegin(), listed->cend(), [id](const auto &r) { return r.id == id; }));
        // Only the requester cancels.
        const qint64 other = newRequest(QStringLiteral("alice"), 1, 500);
        ops::ReplayStore dave(as(QStringLiteral("dave")));
        QVERIFY(!dave.cancel(other, {}, PollControl::within(10s)).ok());
        QVERIFY(dave.refused());
        ops::ReplayStore alice(as(QStringLiteral("alice")));
        QCOMPARE(alice.cancel(other, {}, PollControl::within(10s)).value(), QStringLiteral("cancelled"));
    }

    void oneExecutorAndTheNextResumes()
    {
        const qint64 id = approved(200);
        QVERIFY(id > 0);
        auto first = std::make_unique<ops::ReplayStore>(as(QStringLiteral("alice")));
        auto claim = first->claim(id, {{QStringLiteral("orders.events:0"), 42}}, PollControl::within(10s));
        QVERIFY2(claim.ok(), qPrintable(claim.error()));
        QVERIFY(!claim->resume);
        QCOMPARE(claim->approvedBy, QStringLiteral("bob"));
        ops::ReplayStore dave(as(QStringLiteral("dave")));
        auto second = dave.claim(id, {{QStringLiteral("orders.events:0"), 50}}, PollControl::within(10s));
        QVERIFY(!second.ok());
        QVERIFY2(second.error().contains(QStringLiteral("is being executed by alice")), qPrintable(second.error()));
        QVERIFY(first->recordItems(id, {{1, QStringLiteral("sent"), 0, 42, {}}}, PollControl::within(10s)).ok());
        // An impossible change is refused (pending -> confirmed).
        QVERIFY(!first->recordItems(id, {{2, QStringLiteral("confirmed"), {}, {}, {}}}, PollControl::within(10s)).ok());
        // The executor's connection ends (as when it is killed): the next claim resumes,
        // with the first claim's watermarks.
        first.reset();
        QVERIFY(claimWithin(dave, id, {{QStringLiteral("orders.events:0"), 50}}).ok());
        auto shown = dave.show(id, PollControl::within(10s));
        QCOMPARE(shown->request.status, QStringLiteral("executing"));
        QCOMPARE(shown->request.executor, QStringLiteral("dave"));
        QVERIFY(dave.recordItems(id, {{1, QStringLiteral("confirmed"), {}, {}, {}}, {2, QStringLiteral("skipped"), {}, {}, {}}},
                                 PollControl::within(10s))
                    .ok());
        QCOMPARE(dave.finish(id, {}, PollControl::within(10s)).value(), QStringLiteral("done"));
        // Finished is finished.
        QVERIFY(!dave.claim(id, {}, PollControl::within(10s)).ok());
        QVERIFY(dave.refused());
    }

    void resumedClaimReturnsTheFirstWatermarks()
    {
        const qint64 id = approved(300);
        {
            ops::ReplayStore first(as(QStringLiteral("alice")));
            QVERIFY(first.claim(id, {{QStringLiteral("orders.events:1"), 7}}, PollControl::within(10s)).ok());
        }
        ops::ReplayStore bob(as(QStringLiteral("bob")));
        auto claim = claimWithin(bob, id, {{QStringLiteral("orders.events:1"), 99}});
        QVERIFY2(claim.ok(), qPrintable(claim.error()));
        QVERIFY(claim->resume);
        QCOMPARE(claim->attempt, 2);
        QCOMPARE(claim->firstWatermarks.value(QStringLiteral("orders.events:1")), 7);
    }

    void auditLogRefusesChangesForEveryRole()
    {
        QVERIFY(newRequest(QStringLiteral("alice")) > 0);
        for (const QString &who : {QString(), QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")}) {
            for (const char *sql : {"UPDATE idem.audit_log SET actor = 'mallory'", "DELETE FROM idem.audit_log",
                                    "TRUNCATE idem.audit_log"}) {
                const QString error = raw(who, sql);
                QVERIFY2(!error.isEmpty(), qPrintable(QStringLiteral("%1 ran %2").arg(who, QString::fromLatin1(sql))));
                if (who.isEmpty())
                    QVERIFY2(error.contains(QStringLiteral("append-only")), qPrintable(error));
            }
        }
        ops::ReplayStore carol(as(QStringLiteral("carol")));
        auto check = carol.verifyAudit(PollControl::within(10s));
        QVERIFY2(check.ok(), qPrintable(check.error()));
        QVERIFY2(check->ok, qPrintable(check->detail));
        QVERIFY(check->checked > 5);
    }

    // idemctl ops migrate and ops verify-audit, as the owner (password from a pgpass file).
    void idemctlMigratesAndVerifies()
    {
        QTemporaryDir dir;
        QFile pgpass(dir.filePath(QStringLiteral("pgpass")));
        QVERIFY(pgpass.open(QIODevice::WriteOnly));
        pgpass.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        pgpass.write(QStringLiteral("127.0.0.1:%1:*:%2:%3\n127.0.0.1:%1:*:carol:%4\n")
                         .arg(m_pg->port())
                         .arg(m_pg->superuser(), m_pg->password(), m_passwords.value(QStringLiteral("carol")))
                         .toUtf8());
        pgpass.close();
        QFile config(dir.filePath(QStringLiteral("idem.yaml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral("version: 1\nenvironments:\n  test:\n    kafka:\n      main:\n        bootstrap.servers: 127.0.0.1:1\n"
                                    "    ops:\n      connection: \"host=127.0.0.1 port=%1 dbname=idem_ops user=%2 passfile=%3\"\n")
                         .arg(m_pg->port())
                         .arg(m_pg->superuser(), pgpass.fileName())
                         .toUtf8());
        config.close();
        auto ctl = [&](const QStringList &args, QString *out) {
            QProcess p;
            p.start(QStringLiteral(IDEMCTL), QStringList{QStringLiteral("--config"), config.fileName()} + args);
            p.waitForFinished(60000);
            *out = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
            return p.exitCode();
        };
        QString out;
        QVERIFY2(ctl({QStringLiteral("ops"), QStringLiteral("migrate"), QStringLiteral("--json")}, &out) == 0, qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("\"name\":\"0001_replays.sql\"")) && !out.contains(QStringLiteral("\"applied\":true")),
                 qPrintable(out));
        QCOMPARE(ctl({QStringLiteral("--user"), QStringLiteral("carol"), QStringLiteral("ops"), QStringLiteral("verify-audit")}, &out), 0);
        QVERIFY2(out.contains(QStringLiteral("chain intact")), qPrintable(out));
        // A viewer may not approve: exit 2 with the database's reason.
        QCOMPARE(ctl({QStringLiteral("--user"), QStringLiteral("carol"), QStringLiteral("replay"), QStringLiteral("approve"),
                      QStringLiteral("1")},
                     &out),
                 2);
        QVERIFY2(out.contains(QStringLiteral("carol may not do this: it needs role idem_approver")), qPrintable(out));
    }

    // Last: it breaks the chain on purpose.
    void chainCheckNamesTheRowASuperuserEdited()
    {
        QCOMPARE(raw({}, "SET session_replication_role = replica; "
                         "UPDATE idem.audit_log SET detail = '{\"reason\": \"nothing to see\"}' WHERE id = 3"),
                 QString());
        ops::ReplayStore carol(as(QStringLiteral("carol")));
        auto check = carol.verifyAudit(PollControl::within(10s));
        QVERIFY(check.ok());
        QVERIFY(!check->ok);
        QCOMPARE(check->firstBroken.value_or(-1), 3);
        QVERIFY2(check->detail.contains(QStringLiteral("audit row 3")), qPrintable(check->detail));
    }

    // Two consoles (each a ReplayService signed in as its person) see each
    // other's requests and decisions within a second.
    void twoConsolesSeeEachOtherWithinASecond()
    {
        auto console = [&](const QString &person) {
            models::EnvironmentConfig env;
            env.name = QStringLiteral("test");
            env.ops = models::OpsDatabaseConfig{as(person)};
            models::FlowConfig flow; // no stores: the approver's dry run sends everything
            flow.name = QStringLiteral("orders");
            env.flows << flow;
            return std::make_unique<ops::ReplayService>(env, QStringList{});
        };
        auto alice = console(QStringLiteral("alice"));
        auto bob = console(QStringLiteral("bob"));
        QSignalSpy aliceWho(alice.get(), &models::ReplaySource::identityChanged);
        QSignalSpy bobWho(bob.get(), &models::ReplaySource::identityChanged);
        alice->signIn({});
        bob->signIn({});
        QTRY_COMPARE_WITH_TIMEOUT(aliceWho.size(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bobWho.size(), 1, 10000);
        QCOMPARE(bobWho.at(0).at(0).value<models::OpsIdentity>().user, QStringLiteral("bob"));
        QVERIFY(bobWho.at(0).at(1).toString().isEmpty());
        QCOMPARE(bobWho.at(0).at(0).value<models::OpsIdentity>().roleText(), QStringLiteral("approver"));

        qint64 id = 0;
        auto sees = [&](ops::ReplayService &service, const QString &status) {
            return [&service, &id, status] {
                QSignalSpy spy(&service, &models::ReplaySource::requestsChanged);
                QElapsedTimer timer;
                timer.start();
                while (timer.elapsed() < 5000) {
                    if (!spy.wait(100))
                        continue;
                    for (const auto &r : spy.last().at(0).value<QList<models::ReplayRequest>>())
                        if (r.id == id && r.status == status)
                            return timer.elapsed();
                }
                return qint64(-1);
            };
        };
        // bob's console learns of alice's request.
        QElapsedTimer made;
        {
            auto waitBob = sees(*bob, QStringLiteral("pending"));
            made.start();
            id = newRequest(QStringLiteral("alice"));
            QVERIFY(id > 0);
            const qint64 ms = waitBob();
            QVERIFY2(ms >= 0 && made.elapsed() < 1500, qPrintable(QString::number(made.elapsed())));
            QVERIFY2(ms < 1000, qPrintable(QStringLiteral("bob saw it after %1 ms").arg(ms)));
        }
        // alice's console learns of bob's decision, made through his console.
        {
            auto waitAlice = sees(*alice, QStringLiteral("approved"));
            QSignalSpy done(bob.get(), &models::ReplaySource::actionDone);
            made.restart();
            bob->decide(id, true, hashOf(id), QStringLiteral("ok"), false);
            const qint64 ms = waitAlice();
            QVERIFY2(ms >= 0 && ms < 1000, qPrintable(QStringLiteral("alice saw it after %1 ms").arg(ms)));
            QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 5000);
            QVERIFY2(done.at(0).at(2).toBool(), qPrintable(done.at(0).at(4).toString()));
        }
        // A refusal through a console carries the database's reason.
        {
            QSignalSpy done(alice.get(), &models::ReplaySource::actionDone);
            alice->decide(id, true, hashOf(id), {}, false);
            QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 5000);
            QVERIFY(!done.at(0).at(2).toBool());
            QVERIFY(done.at(0).at(3).toBool());
            QVERIFY2(done.at(0).at(4).toString().contains(QStringLiteral("needs role idem_approver")),
                     qPrintable(done.at(0).at(4).toString()));
        }
    }

    void everyChangeIsNotified()
    {
        postgres::PgSession listener(as(QStringLiteral("carol")), {QStringLiteral("ops"), false, 5000});
        QVERIFY(listener.listen(QStringLiteral("idem_replays"), PollControl::within(10s)).ok());
        QElapsedTimer timer;
        timer.start();
        const qint64 id = newRequest(QStringLiteral("dave"));
        QList<postgres::PgNotification> got;
        while (got.isEmpty() && timer.elapsed() < 5000) {
            auto n = listener.waitForNotifications(PollControl::within(1s));
            QVERIFY(n.ok());
            got += *n;
        }
        QVERIFY(!got.isEmpty());
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY2(got[0].payload.contains(QStringLiteral("\"request\" : %1").arg(id)), qPrintable(got[0].payload));
    }
};

QTEST_GUILESS_MAIN(TestOpsDatabase)
#include "tst_opsdatabase.moc"
