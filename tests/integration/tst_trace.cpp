// Proves trace finds each shape of event in the sandbox world with the right
// hops, exact offsets and verdict code, each checked against an independent
// librdkafka read of the topics and SQL on the stores: a processed event; a
// duplicate send (two copies, processed once); a redelivery; a dead letter
// failing in one consumer only; a poison event failing in all; an event a
// group committed past whose row was deleted; an event found only by the
// scan; one not found, with the exact ranges read and not read; and
// idemctl trace's exit statuses and JSON.

#include "connectors/config/configfile.h"
#include "connectors/sandbox/sandboxworld.h"
#include "connectors/trace/tracerunner.h"
#include "connectors/trace/traceservice.h"
#include "tests/support/stillworld.h"
#include "tests/support/topicreader.h"
#include "tests/support/topicwriter.h"

#include <pqxx/pqxx>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

using namespace idem;
using models::HopKind;

namespace {

struct Copy
{
    int partition = 0;
    qint64 offset = 0;
    bool operator==(const Copy &) const = default;
};

} // namespace

class TestTrace : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<connectors::sandbox::SandboxWorld> m_world;
    models::EnvironmentConfig m_env;
    QString m_bootstrap;
    QHash<QString, QList<Copy>> m_copies; // orders.events by event_id, independent read
    QHash<QString, QStringList> m_deadLettered; // orders.dlq: event_id -> failing groups
    QHash<QString, QHash<QString, QStringList>> m_outcomes; // store -> event_id -> logical outcomes in order
    QHash<QString, QHash<QString, QString>> m_status; // store -> event_id -> logical status
    QSet<QString> m_used;

    // Logical outcome names, read through each store's mapping as idem_reader.
    void readStore(const QString &name)
    {
        const models::StoreConfig *store = m_env.store(name);
        QVERIFY(store);
        QHash<QString, QString> logical;
        for (const QString &l : models::outcomeNames())
            logical.insert(store->outcomeValue(l), l);
        pqxx::connection conn(store->connection.toStdString());
        pqxx::read_transaction tx(conn);
        auto q = [&](const QString &n) { return tx.quote_name(n.toStdString()); };
        for (const auto &row : tx.exec("SELECT " + q(store->registry.column("event_id")) + ", " + q(store->registry.column("status"))
                                       + " FROM " + q(store->registry.table))) {
            const QString s = QString::fromStdString(row[1].as<std::string>());
            m_status[name].insert(QString::fromStdString(row[0].as<std::string>()), logical.value(s, s));
        }
        for (const auto &row : tx.exec("SELECT " + q(store->attempts.column("event_id")) + ", " + q(store->attempts.column("outcome"))
                                       + " FROM " + q(store->attempts.table) + " ORDER BY " + q(store->attempts.column("at")))) {
            const QString s = QString::fromStdString(row[1].as<std::string>());
            m_outcomes[name][QString::fromStdString(row[0].as<std::string>())].append(logical.value(s, s));
        }
    }

    // The first event_id (not used by another case) for which `pick` holds.
    QString find(const std::function<bool(const QString &)> &pick)
    {
        QStringList ids = m_copies.keys();
        ids.sort();
        for (const QString &id : std::as_const(ids)) {
            if (!m_used.contains(id) && pick(id)) {
                m_used.insert(id);
                return id;
            }
        }
        return {};
    }

    bool processedOnce(const QString &store, const QString &id)
    {
        return m_status[store].value(id) == QLatin1String("processed")
            && m_outcomes[store].value(id).count(QStringLiteral("processed")) == 1;
    }

    models::TraceResult trace(const QString &id, const QString &flow = QStringLiteral("orders"), qint64 budget = 5'000'000,
                              QDateTime from = {}, QDateTime to = {})
    {
        connectors::trace::TraceRunnerOptions options;
        options.topics.messageBudget = budget;
        connectors::trace::TraceRunner runner(m_env, options);
        models::TraceQuery query{id, flow, from, to};
        return runner.run(query, connectors::PollControl::within(std::chrono::seconds(60)));
    }

    static QList<Copy> copiesOf(const models::TraceResult &r, HopKind kind = HopKind::Produced)
    {
        QList<Copy> out;
        for (const models::TraceHop &h : r.hops) {
            if (h.kind == kind)
                out.append({h.partition, h.offset});
        }
        std::sort(out.begin(), out.end(), [](const Copy &a, const Copy &b) { return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset); });
        return out;
    }

    static QStringList groupsOf(const models::TraceResult &r, HopKind kind)
    {
        QStringList out;
        for (const models::TraceHop &h : r.hops) {
            if (h.kind == kind)
                out << (kind == HopKind::Consumed || kind == HopKind::DeadLettered ? h.group : h.system);
        }
        out.sort();
        return out;
    }

private slots:
    void initTestCase()
    {
        using connectors::sandbox::Fault;
        testsupport::startStillWorld(m_world, m_dir, std::chrono::seconds(14), 7,
                                     {Fault::DuplicateSends, Fault::Redelivery, Fault::Poison, Fault::SchemaBump});
        if (QTest::currentTestFailed())
            return;
        auto config = connectors::loadConfig(m_world->configPath());
        QVERIFY2(config.ok(), qPrintable(config.error()));
        m_env = config->environments.first();
        m_bootstrap = m_world->bootstrapServers();

        for (const auto &r : testsupport::readTopic(m_bootstrap, QStringLiteral("orders.events")))
            m_copies[QString::fromUtf8(r.header("event_id"))].append({r.partition, r.offset});
        for (const auto &r : testsupport::readTopic(m_bootstrap, QStringLiteral("orders.dlq")))
            m_deadLettered[QString::fromUtf8(r.header("event_id"))].append(QString::fromUtf8(r.header("consumer_group")));
        readStore(QStringLiteral("billing"));
        readStore(QStringLiteral("shipping"));
        QVERIFY(m_copies.size() > 100);
    }

    void processed()
    {
        const QString id = find([&](const QString &id) {
            return m_copies[id].size() == 1 && !m_deadLettered.contains(id) && processedOnce("billing", id)
                && processedOnce("shipping", id) && m_outcomes["billing"][id].size() == 1 && m_outcomes["shipping"][id].size() == 1;
        });
        QVERIFY(!id.isEmpty());
        const auto r = trace(id);
        QCOMPARE(r.verdict.code, QStringLiteral("processed"));
        QCOMPARE(copiesOf(r), m_copies[id]);
        QCOMPARE(groupsOf(r, HopKind::Consumed), QStringList({"billing", "shipping"}));
        QCOMPARE(groupsOf(r, HopKind::Processed), QStringList({"billing", "shipping"}));
        QVERIFY(r.verdict.text.startsWith(QStringLiteral("Processed by billing (attempt 1) and shipping (attempt 1)")));
    }

    void duplicateSent()
    {
        const QString id = find([&](const QString &id) {
            return m_copies[id].size() == 2 && !m_deadLettered.contains(id) && processedOnce("billing", id)
                && processedOnce("shipping", id);
        });
        QVERIFY2(!id.isEmpty(), "no event sent twice and processed once in both stores");
        const auto r = trace(id);
        QCOMPARE(r.verdict.code, QStringLiteral("delivered_twice"));
        QCOMPARE(copiesOf(r), m_copies[id]);
        QCOMPARE(groupsOf(r, HopKind::Processed), QStringList({"billing", "shipping"}));
        QCOMPARE(groupsOf(r, HopKind::SkippedDuplicate).size(),
                 m_outcomes["billing"][id].count("duplicate_skipped") + m_outcomes["shipping"][id].count("duplicate_skipped"));
        QVERIFY(r.verdict.text.contains(QStringLiteral("Delivered twice (orders.events %1@%2 and")
                                            .arg(m_copies[id][0].partition)
                                            .arg(m_copies[id][0].offset)));
    }

    void redelivered()
    {
        const QString id = find([&](const QString &id) {
            const bool skipped = m_outcomes["billing"][id].contains("duplicate_skipped") || m_outcomes["shipping"][id].contains("duplicate_skipped");
            return m_copies[id].size() == 1 && !m_deadLettered.contains(id) && processedOnce("billing", id)
                && processedOnce("shipping", id) && skipped;
        });
        QVERIFY2(!id.isEmpty(), "no event redelivered to a consumer that skipped it");
        const auto r = trace(id);
        QCOMPARE(r.verdict.code, QStringLiteral("redelivered"));
        QCOMPARE(copiesOf(r), m_copies[id]);
        QVERIFY(!groupsOf(r, HopKind::SkippedDuplicate).isEmpty());
    }

    void deadLetteredInOneConsumer()
    {
        const QString id = find([&](const QString &id) {
            return m_deadLettered.value(id) == QStringList{QStringLiteral("shipping")} && processedOnce("billing", id)
                && m_status["shipping"].value(id) == QLatin1String("dead_lettered");
        });
        QVERIFY2(!id.isEmpty(), "no event dead-lettered by shipping only");
        const auto r = trace(id);
        QCOMPARE(r.verdict.code, QStringLiteral("fails_in_one_consumer"));
        QCOMPARE(copiesOf(r), m_copies[id]);
        QCOMPARE(groupsOf(r, HopKind::DeadLettered), QStringList{"shipping"});
        QCOMPARE(groupsOf(r, HopKind::Failed).count("shipping"), m_outcomes["shipping"][id].size());
        QCOMPARE(r.hopsOf(HopKind::Retried).size(), 3);
        QVERIFY(r.verdict.text.contains(QStringLiteral("Fails in one consumer only: look at shipping.")));
    }

    void poisonFailsEverywhere()
    {
        const QString id = find([&](const QString &id) {
            QStringList groups = m_deadLettered.value(id);
            groups.sort();
            return groups == QStringList{"billing", "shipping"};
        });
        QVERIFY2(!id.isEmpty(), "no event dead-lettered by every consumer");
        const auto r = trace(id);
        QCOMPARE(r.verdict.code, QStringLiteral("fails_everywhere"));
        QCOMPARE(copiesOf(r), m_copies[id]);
        QCOMPARE(groupsOf(r, HopKind::DeadLettered), QStringList({"billing", "shipping"}));
        QVERIFY(r.verdict.text.contains(QStringLiteral("the source data is likely invalid")));
    }

    void committedPastButMissing()
    {
        const QString id = find([&](const QString &id) {
            return m_copies[id].size() == 1 && !m_deadLettered.contains(id) && processedOnce("billing", id)
                && processedOnce("shipping", id);
        });
        QVERIFY(!id.isEmpty());
        {
            const models::StoreConfig *store = m_env.store(QStringLiteral("billing"));
            pqxx::connection conn(m_world->adminConnection(QStringLiteral("billing")).toStdString());
            pqxx::work tx(conn);
            const auto deleted = tx.exec_params("DELETE FROM " + tx.quote_name(store->registry.table.toStdString()) + " WHERE "
                                                    + tx.quote_name(store->registry.column("event_id").toStdString()) + " = $1",
                                                id.toStdString());
            QCOMPARE(deleted.affected_rows(), 1);
            tx.commit();
        }
        const auto r = trace(id);
        QCOMPARE(r.verdict.code, QStringLiteral("lost_by_consumer"));
        QCOMPARE(r.verdict.text, QStringLiteral("billing committed past orders.events %1@%2 but has no row for it: billing may "
                                                "have lost this event.")
                                     .arg(m_copies[id][0].partition)
                                     .arg(m_copies[id][0].offset));
    }

    void foundOnlyByTheScan()
    {
        // A new event nobody consumes: no store row, no dead letter, no known location.
        const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const qint64 next = testsupport::watermarks(m_bootstrap, QStringLiteral("orders.events")).at(2).high;
        testsupport::OutgoingRecord record;
        record.partition = 2;
        record.value = QStringLiteral("{\"event_id\":\"%1\",\"event_type\":\"order.created\"}").arg(id).toUtf8();
        record.headers = {{"event_id", id.toUtf8()}, {"event_type", "order.created"}};
        testsupport::produce(m_bootstrap, QStringLiteral("orders.events"), {record});
        const auto r = trace(id);
        QCOMPARE(copiesOf(r), QList<Copy>({{2, next}}));
        QCOMPARE(r.verdict.code, QStringLiteral("in_flight"));
        for (const models::TraceStep &s : r.steps)
            QVERIFY2(s.name != QLatin1String("read known locations"), "no location was known");
        QVERIFY(r.hopsOf(HopKind::Consumed).isEmpty());
    }

    void notFoundWithExactRanges()
    {
        const QString id = QStringLiteral("no-such-event-%1").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto r = trace(id, QStringLiteral("orders"), 5'000'000, now.addSecs(-3600), now.addSecs(60));
        QCOMPARE(r.verdict.code, QStringLiteral("not_found"));
        QVERIFY(r.notScanned.isEmpty());
        // Every retained offset of every topic of the flow was read: the window covers all.
        QStringList topics{QStringLiteral("orders.events"), QStringLiteral("orders.retry.1"), QStringLiteral("orders.retry.2"),
                           QStringLiteral("orders.retry.3"), QStringLiteral("orders.dlq")};
        int expected = 0;
        for (const QString &topic : topics) {
            const auto marks = testsupport::watermarks(m_bootstrap, topic);
            for (int p = 0; p < marks.size(); ++p) {
                ++expected; // an empty partition is reported read as an empty range
                bool found = false;
                for (const models::ScannedRange &s : r.scanned)
                    found = found || (s.topic == topic && s.partition == p && s.from == marks[p].low && s.to == marks[p].high);
                QVERIFY2(found, qPrintable(QStringLiteral("%1[%2] [%3, %4) not reported read").arg(topic).arg(p).arg(marks[p].low).arg(marks[p].high)));
            }
        }
        QCOMPARE(r.scanned.size(), expected);
        QVERIFY2(r.verdict.text.startsWith(QStringLiteral("Not found in orders.dlq[0–")), qPrintable(r.verdict.text));
        QVERIFY2(r.verdict.text.contains(QStringLiteral("orders.events[0–5]")), qPrintable(r.verdict.text));

        // A budget smaller than the topics: the newest records read, the rest
        // reported not read because of the budget, range for range.
        const auto small = trace(id, QStringLiteral("orders"), 600);
        QCOMPARE(small.verdict.code, QStringLiteral("not_found"));
        QVERIFY(small.messagesScanned <= 600);
        QVERIFY(!small.notScanned.isEmpty());
        for (const models::NotScannedRange &n : small.notScanned) {
            QCOMPARE(n.reason, models::NotScannedReason::Budget);
            const auto marks = testsupport::watermarks(m_bootstrap, n.topic);
            QCOMPARE(n.from, marks[n.partition].low);
            bool joined = false; // the read range starts where the unread one ends and runs to the end
            for (const models::ScannedRange &s : small.scanned)
                joined = joined || (s.topic == n.topic && s.partition == n.partition && s.from == n.to && s.to == marks[n.partition].high);
            QVERIFY2(joined, qPrintable(QStringLiteral("%1[%2]").arg(n.topic).arg(n.partition)));
        }
        QVERIFY(small.verdict.text.contains(QStringLiteral("not read (message budget used up)")));
    }

    void idemctlExitStatusesAndJson()
    {
        const QString id = find([&](const QString &id) { return m_copies[id].size() == 1 && processedOnce("billing", id); });
        QVERIFY(!id.isEmpty());
        auto run = [&](const QStringList &args, QByteArray *out) {
            QProcess p;
            p.start(QStringLiteral(IDEMCTL), QStringList{QStringLiteral("--config"), m_world->configPath(), QStringLiteral("trace")} + args);
            if (!p.waitForFinished(60000))
                return -1;
            *out = p.readAllStandardOutput() + p.readAllStandardError();
            return p.exitCode();
        };
        QByteArray out;
        QCOMPARE(run({id, QStringLiteral("--flow"), QStringLiteral("orders"), QStringLiteral("--json")}, &out), 0);
        const QJsonObject j = QJsonDocument::fromJson(out).object();
        QCOMPARE(j.value("event_id").toString(), id);
        const QJsonObject first = j.value("hops").toArray().at(0).toObject();
        QCOMPARE(first.value("kind").toString(), QStringLiteral("produced"));
        QCOMPARE(first.value("partition").toInt(), m_copies[id][0].partition);
        QCOMPARE(first.value("offset").toInteger(), m_copies[id][0].offset);
        QVERIFY(!j.value("verdict").toObject().value("code").toString().isEmpty());
        QCOMPARE(run({QStringLiteral("never-produced-id"), QStringLiteral("--flow"), QStringLiteral("orders")}, &out), 3);
        QVERIFY(out.contains("Not found in"));
        QCOMPARE(run({QString(257, QLatin1Char('x'))}, &out), 2);
        QVERIFY(out.contains("at most 256"));
        QCOMPARE(run({QStringLiteral("a\nb")}, &out), 2);
        QVERIFY(out.contains("control character"));
        QCOMPARE(run({id, QStringLiteral("--from"), QStringLiteral("yesterday")}, &out), 2);
        QVERIFY(out.contains("is not a time"));
    }

    void unreachableStoreDoesNotStopTheRest()
    {
        const QString id = find([&](const QString &id) {
            return m_copies[id].size() == 1 && !m_deadLettered.contains(id) && processedOnce("billing", id)
                && processedOnce("shipping", id);
        });
        QVERIFY(!id.isEmpty());
        models::EnvironmentConfig env = m_env;
        for (models::StoreConfig &s : env.stores) {
            if (s.name == QLatin1String("shipping"))
                s.connection = QStringLiteral("host=127.0.0.1 port=1 dbname=shipping user=idem_reader connect_timeout=2");
        }
        connectors::trace::TraceRunner runner(env);
        const auto r = runner.run({id, QStringLiteral("orders"), {}, {}}, connectors::PollControl::within(std::chrono::seconds(30)));
        QCOMPARE(copiesOf(r), m_copies[id]);
        QCOMPARE(groupsOf(r, HopKind::Processed), QStringList{"billing"});
        const auto failed = r.hopsOf(HopKind::CheckFailed);
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.first().detail.startsWith(QStringLiteral("could not check store shipping: ")));
        QCOMPARE(r.verdict.code, QStringLiteral("processed"));
        QVERIFY(r.verdict.text.endsWith(QStringLiteral("Could not check store shipping.")));
    }

    void cancelledScanSaysWhatWasNotRead()
    {
        // Cancelled as the source scan starts: the retry and dead-letter
        // topics were read, every source partition is reported not read
        // because of the cancel, and the step says cancelled.
        std::atomic_bool cancel{false};
        connectors::trace::TraceRunner runner(m_env);
        const auto r = runner.run({QStringLiteral("never-produced"), QStringLiteral("orders"), {}, {}},
                                  connectors::PollControl{QDeadlineTimer(std::chrono::seconds(60)), &cancel},
                                  [&](const QList<models::TraceStep> &steps, qint64) {
                                      for (const models::TraceStep &s : steps) {
                                          if (s.name == QLatin1String("scan source topics"))
                                              cancel = true;
                                      }
                                  });
        QCOMPARE(r.verdict.code, QStringLiteral("not_found"));
        const auto marks = testsupport::watermarks(m_bootstrap, QStringLiteral("orders.events"));
        QList<int> cancelled;
        for (const models::NotScannedRange &n : r.notScanned) {
            QCOMPARE(n.topic, QStringLiteral("orders.events"));
            QCOMPARE(n.reason, models::NotScannedReason::Cancelled);
            QCOMPARE(n.to, marks[n.partition].high);
            cancelled << n.partition;
        }
        std::sort(cancelled.begin(), cancelled.end());
        QCOMPARE(cancelled, QList<int>({0, 1, 2, 3, 4, 5}));
        bool sideRead = false;
        for (const models::ScannedRange &s : r.scanned)
            sideRead = sideRead || s.topic == QLatin1String("orders.dlq");
        QVERIFY(sideRead);
        for (const models::TraceStep &s : r.steps) {
            if (s.name == QLatin1String("scan source topics"))
                QCOMPARE(s.state, models::TraceStep::State::Cancelled);
        }
        QVERIFY(r.verdict.text.contains(QStringLiteral("is not read (cancelled)")) || r.verdict.text.contains(QStringLiteral("are not read (cancelled)")));
    }

    void serviceReportsProgressAndAnswersOnce()
    {
        const QString id = find([&](const QString &id) { return m_deadLettered.value(id) == QStringList{QStringLiteral("shipping")}; });
        QVERIFY(!id.isEmpty());
        connectors::trace::TraceService service(m_env);
        QSignalSpy progress(&service, &models::TraceSource::progress);
        QSignalSpy finished(&service, &models::TraceSource::finished);
        const quint64 request = service.trace({id, {}, {}, {}});
        QVERIFY(request != 0);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(0).toULongLong(), request);
        const auto result = finished.first().at(1).value<models::TraceResult>();
        QCOMPARE(result.verdict.code, QStringLiteral("fails_in_one_consumer"));
        QCOMPARE(result.flows, QStringList{QStringLiteral("orders")}); // the flow it was found in
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.first().at(0).toULongLong(), request);
    }

    void cleanupTestCase()
    {
        m_world.reset();
    }
};

QTEST_GUILESS_MAIN(TestTrace)
#include "tst_trace.moc"
