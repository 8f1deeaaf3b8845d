// Proves the event index is fed by exactly one tailer and holds each message
// once: two tailers race for the index lease, exactly one writes, and the
// index's rows match an independent librdkafka read one for one; when the
// holder's session is killed the other takes over and resumes with no
// duplicate and no gap; trace finds an event through the index outside its
// scan window; idemctl index status reports the coverage.

#include "tests/support/opsdatabase.h"
#include "connectors/kafka/mockkafka.h"
#include "connectors/ops/eventindex.h"
#include "connectors/ops/migrations.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/postgres/pgsession.h"
#include "connectors/trace/tracerunner.h"
#include "models/core/result.h"
#include "tests/support/topicreader.h"
#include "tests/support/topicwriter.h"

#include <pqxx/pqxx>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

class TestEventIndex : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<LocalPostgres> m_pg;
    std::unique_ptr<kafka::MockKafka> m_kafka;
    int m_produced = 0;

    QString as(const QString &person) const { return testsupport::opsConnectionAs(*m_pg, person); }
    QString owner() const { return m_pg->connectionString(QStringLiteral("idem_ops")); }

    models::EnvironmentConfig environment(const QString &person) const
    {
        models::EnvironmentConfig env;
        env.name = QStringLiteral("test");
        env.clusters.append({QStringLiteral("local"), {{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}}});
        models::FlowConfig flow;
        flow.name = QStringLiteral("orders");
        flow.cluster = QStringLiteral("local");
        flow.topics = {QStringLiteral("orders.events")};
        flow.deadLetterTopic = QStringLiteral("orders.dlq");
        env.flows.append(flow);
        env.ops = models::OpsDatabaseConfig{as(person)};
        return env;
    }

    qint64 scalar(const std::string &sql)
    {
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        return tx.exec1(sql)[0].as<qint64>();
    }

    void produce(int count, bool withUnreadable = false)
    {
        QList<testsupport::OutgoingRecord> records;
        for (int i = 0; i < count; ++i) {
            const QByteArray id = QStringLiteral("evt-%1").arg(m_produced + i).toUtf8();
            records.append({QByteArray("k") + QByteArray::number(i % 7), QByteArray("{\"n\":1}"),
                            {{"event_id", id}}, i % 3});
        }
        if (withUnreadable)
            records.append({QByteArray("k"), QByteArray("not json, no header"), {}, 0});
        testsupport::produce(m_kafka->bootstrapServers(), QStringLiteral("orders.events"), records);
        m_produced += count;
    }

    // Passes of `tailer` until the index holds `rows` rows or 60 s pass.
    static bool tailUntil(ops::EventIndexTailer &tailer, const std::function<qint64()> &rows, qint64 want)
    {
        QDeadlineTimer until(60s);
        while (!until.hasExpired()) {
            (void)tailer.pass(PollControl::within(20s));
            if (rows() >= want)
                return true;
        }
        return false;
    }

    // Every (topic, partition, offset) once, and the same ids as an independent read.
    void checkIndexMatchesTopic()
    {
        QCOMPARE(scalar("SELECT count(*) FROM idem.event_index"),
                 scalar("SELECT count(*) FROM (SELECT DISTINCT topic, partition_id, message_offset FROM idem.event_index) d"));
        const auto records = testsupport::readTopic(m_kafka->bootstrapServers(), QStringLiteral("orders.events"));
        pqxx::connection c(owner().toStdString());
        pqxx::work tx(c);
        QHash<QString, QString> indexed;
        for (const auto &row : tx.exec("SELECT topic, partition_id, message_offset, event_id FROM idem.event_index WHERE topic = 'orders.events'"))
            indexed.insert(QStringLiteral("%1:%2:%3").arg(row[0].c_str()).arg(row[1].as<int>()).arg(row[2].as<qint64>()),
                           QString::fromUtf8(row[3].c_str()));
        int withId = 0;
        for (const auto &r : records) {
            const QString at = QStringLiteral("%1:%2:%3").arg(r.topic).arg(r.partition).arg(r.offset);
            if (!r.hasHeader("event_id")) {
                QVERIFY2(!indexed.contains(at), qPrintable(at));
                continue;
            }
            ++withId;
            QCOMPARE(indexed.value(at), QString::fromUtf8(r.header("event_id")));
        }
        QCOMPARE(indexed.size(), withId);
    }

    // A configuration for idemctl: the mock cluster, the flow, the ops
    // database as whoever's PGPASSWORD is given (passwordFor).
    QString writeConfig(const QTemporaryDir &dir) const
    {
        const QString config = dir.filePath(QStringLiteral("idem.yaml"));
        QFile f(config);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write(QStringLiteral("version: 1\nenvironments:\n  test:\n    kafka:\n      local:\n        bootstrap.servers: \"%1\"\n"
                               "    flows:\n      orders:\n        cluster: local\n        topics: [orders.events]\n"
                               "        dead_letter_topic: orders.dlq\n"
                               "    ops:\n      connection: \"%2\"\n      index_retention_days: 3\n")
                    .arg(m_kafka->bootstrapServers(), QStringLiteral("host=127.0.0.1 port=%1 dbname=idem_ops").arg(m_pg->port()))
                    .toUtf8());
        return config;
    }
    static QProcessEnvironment passwordFor(const QString &person)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PGUSER"), person);
        env.insert(QStringLiteral("PGPASSWORD"), QStringLiteral("pw-") + person);
        return env;
    }

private slots:
    void initTestCase()
    {
        auto kafka = kafka::MockKafka::start();
        QVERIFY2(kafka.ok(), qPrintable(kafka.error()));
        m_kafka = std::move(kafka.value());
        QVERIFY(m_kafka->createTopics({{QStringLiteral("orders.events"), 3}, {QStringLiteral("orders.dlq"), 1}}).ok());
        auto database = testsupport::startOpsDatabase({{"alice", "idem_operator"}, {"bob", "idem_approver"}, {"carol", "idem_viewer"}});
        QVERIFY2(database.ok(), qPrintable(database.error()));
        m_pg = std::move(database.value());
    }

    void twoTailersRaceAndExactlyOneWrites()
    {
        produce(3000, true);
        ops::EventIndexTailer a(environment(QStringLiteral("alice")), QStringLiteral("tailer A"));
        ops::EventIndexTailer b(environment(QStringLiteral("bob")), QStringLiteral("tailer B"));
        std::atomic<qint64> wroteA{0}, wroteB{0};
        auto rows = [&] { return scalar("SELECT count(*) FROM idem.event_index"); };
        std::thread ta([&] {
            QDeadlineTimer until(60s);
            while (!until.hasExpired() && rows() < 3000)
                wroteA += a.pass(PollControl::within(20s)).indexed;
        });
        std::thread tb([&] {
            QDeadlineTimer until(60s);
            while (!until.hasExpired() && rows() < 3000)
                wroteB += b.pass(PollControl::within(20s)).indexed;
        });
        ta.join();
        tb.join();
        QCOMPARE(rows(), 3000);
        QVERIFY2((wroteA == 0) != (wroteB == 0), qPrintable(QStringLiteral("A wrote %1, B wrote %2").arg(wroteA).arg(wroteB)));
        QCOMPARE(a.held(), wroteA > 0);
        QCOMPARE(b.held(), wroteB > 0);
        checkIndexMatchesTopic();
        // The message without an event_id is counted, not dropped silently.
        QCOMPARE(scalar("SELECT sum(unreadable) FROM idem.event_index_position"), 1);
        // A session without the lease cannot write, not even by hand.
        bool refused = false;
        try {
            pqxx::connection c(as(QStringLiteral("carol")).toStdString());
            pqxx::work tx(c);
            tx.exec("INSERT INTO idem.event_index VALUES ('x', 'orders.events', 0, 999999, now(), NULL)");
            tx.commit();
        } catch (const std::exception &) {
            refused = true;
        }
        QVERIFY(refused);
    }

    void killedHolderIsTakenOverWithoutDuplicateOrGap()
    {
        ops::EventIndexTailer a(environment(QStringLiteral("alice")), QStringLiteral("tailer A"));
        ops::EventIndexTailer b(environment(QStringLiteral("bob")), QStringLiteral("tailer B"));
        auto rows = [&] { return scalar("SELECT count(*) FROM idem.event_index"); };
        const qint64 before = rows();
        // A takes the lease (the previous test's tailers gave it up).
        QVERIFY(a.pass(PollControl::within(20s)).held);
        QVERIFY(!b.pass(PollControl::within(20s)).held);
        produce(2000);
        QVERIFY(tailUntil(a, rows, before + 2000));
        produce(2000);
        // The holder's session is killed (a crash, a lost connection).
        QCOMPARE(scalar("SELECT count(pg_terminate_backend(backend_pid)) FROM idem.lease WHERE duty = 'index'"), 1);
        QVERIFY(tailUntil(b, rows, before + 4000));
        QVERIFY(b.held());
        // A learns on its next pass that it lost the lease and writes nothing.
        const ops::TailPass late = a.pass(PollControl::within(20s));
        QVERIFY(!late.held);
        QCOMPARE(late.indexed, 0);
        QCOMPARE(rows(), before + 4000);
        checkIndexMatchesTopic();
        // No gap: every partition's coverage holds one row per offset with an event_id.
        QCOMPARE(scalar("SELECT count(*) FROM idem.event_index_position p WHERE p.topic = 'orders.events' AND "
                        "p.next_offset - p.first_offset <> p.indexed + p.unreadable + p.too_old"),
                 0);
        QCOMPARE(scalar("SELECT count(*) FROM idem.event_index_position p WHERE p.topic = 'orders.events' AND "
                        "p.indexed <> (SELECT count(*) FROM idem.event_index e WHERE e.topic = p.topic AND "
                        "e.partition_id = p.partition_id AND e.message_offset >= p.first_offset AND "
                        "e.message_offset < p.next_offset)"),
                 0);
    }

    void traceFindsAnEventThroughTheIndexOutsideItsWindow()
    {
        // evt-10 is indexed; the window is an hour in the future, so no scan reads it.
        trace::TraceRunner runner(environment(QStringLiteral("carol")));
        models::TraceQuery query;
        query.eventId = QStringLiteral("evt-10");
        query.from = QDateTime::currentDateTimeUtc().addSecs(3600);
        query.to = QDateTime::currentDateTimeUtc().addSecs(7200);
        const models::TraceResult result = runner.run(query, PollControl::within(60s));
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        const auto produced = result.hopsOf(models::HopKind::Produced);
        QCOMPARE(produced.size(), 1);
        QVERIFY2(produced.first().detail.contains(QStringLiteral("located by the event index")),
                 qPrintable(produced.first().detail));
        const qint64 offset = scalar("SELECT message_offset FROM idem.event_index WHERE event_id = 'evt-10'");
        QCOMPARE(produced.first().offset, offset);
        for (const models::ScannedRange &r : result.scanned)
            QVERIFY(!(r.topic == produced.first().topic && r.partition == produced.first().partition && r.from <= offset
                      && offset < r.to));
        // Without the window, the index's coverage is not scanned again.
        query.from = query.to = QDateTime();
        const models::TraceResult whole = runner.run(query, PollControl::within(60s));
        bool indexed = false;
        for (const models::NotScannedRange &n : whole.notScanned)
            indexed = indexed || n.reason == models::NotScannedReason::Indexed;
        QVERIFY(indexed);
        QCOMPARE(whole.hopsOf(models::HopKind::Produced).size(), 1);
    }

    void statusReportsHolderAndCoverage()
    {
        ops::EventIndexTailer a(environment(QStringLiteral("alice")), QStringLiteral("tailer A"));
        QVERIFY(a.pass(PollControl::within(20s)).held);
        QTemporaryDir dir;
        const QString config = writeConfig(dir);
        QProcess ctl;
        const QProcessEnvironment env = passwordFor(QStringLiteral("carol"));
        ctl.setProcessEnvironment(env);
        ctl.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), config, QStringLiteral("index"),
                                            QStringLiteral("status"), QStringLiteral("--json")});
        QVERIFY(ctl.waitForFinished(60000));
        QVERIFY2(ctl.exitCode() == 0, ctl.readAllStandardError().constData());
        const QJsonObject status = QJsonDocument::fromJson(ctl.readAllStandardOutput()).object();
        QVERIFY(status.value(QStringLiteral("held")).toBool());
        QVERIFY(status.value(QStringLiteral("holder")).toString().startsWith(QStringLiteral("tailer A as alice")));
        QCOMPARE(status.value(QStringLiteral("retention_days")).toInt(), 3);
        const QString summary = status.value(QStringLiteral("summary")).toString();
        QVERIFY2(summary.startsWith(QStringLiteral("Event index: 4 partitions, ")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral(" UTC, tailed by tailer A as alice since ")), qPrintable(summary));
        // Today's day partition and the next ones exist (created ahead by the holder).
        QVERIFY(status.value(QStringLiteral("days")).toArray().contains(
            QJsonValue(QDateTime::currentDateTimeUtc().date().addDays(2).toString(Qt::ISODate))));
        // idemctl trace finds an event through the index outside its window.
        QProcess traced;
        traced.setProcessEnvironment(env);
        traced.start(QStringLiteral(IDEMCTL),
                     {QStringLiteral("--config"), config, QStringLiteral("trace"), QStringLiteral("evt-20"),
                      QStringLiteral("--from"), QDateTime::currentDateTimeUtc().addSecs(3600).toString(Qt::ISODate),
                      QStringLiteral("--to"), QDateTime::currentDateTimeUtc().addSecs(7200).toString(Qt::ISODate),
                      QStringLiteral("--json")});
        QVERIFY(traced.waitForFinished(60000));
        QVERIFY2(traced.exitCode() == 0, traced.readAllStandardError().constData());
        const QJsonObject trace = QJsonDocument::fromJson(traced.readAllStandardOutput()).object();
        int located = 0;
        for (const QJsonValue &hop : trace.value(QStringLiteral("hops")).toArray()) {
            const QJsonObject h = hop.toObject();
            if (h.value(QStringLiteral("kind")).toString() == QLatin1String("produced")
                && h.value(QStringLiteral("detail")).toString().contains(QStringLiteral("located by the event index")))
                ++located;
        }
        QCOMPARE(located, 1);

        const QJsonArray partitions = status.value(QStringLiteral("partitions")).toArray();
        QCOMPARE(partitions.size(), 4); // orders.events 0-2, orders.dlq 0
        const auto marks = testsupport::watermarks(m_kafka->bootstrapServers(), QStringLiteral("orders.events"));
        for (const QJsonValue &v : partitions) {
            const QJsonObject p = v.toObject();
            if (p.value(QStringLiteral("topic")).toString() != QLatin1String("orders.events"))
                continue;
            const int partition = p.value(QStringLiteral("partition")).toInt();
            QCOMPARE(qint64(p.value(QStringLiteral("to_offset")).toDouble()), marks[partition].high);
            QCOMPARE(qint64(p.value(QStringLiteral("from_offset")).toDouble()), 0);
            QCOMPARE(qint64(p.value(QStringLiteral("lag")).toDouble()), 0);
            QCOMPARE(qint64(p.value(QStringLiteral("high_watermark")).toDouble()), marks[partition].high);
            QCOMPARE(qint64(p.value(QStringLiteral("indexed")).toDouble()),
                     scalar("SELECT count(*) FROM idem.event_index WHERE partition_id = " + std::to_string(partition)
                            + " AND topic = 'orders.events'"));
        }
    }

    void retentionDropsWholeOldDaysOnlyForTheHolder()
    {
        const QDate today = QDateTime::currentDateTimeUtc().date();
        const std::string old = today.addDays(-10).toString(Qt::ISODate).toStdString();
        const std::string kept = today.addDays(-5).toString(Qt::ISODate).toStdString();
        // Without the lease: refused.
        QString refused;
        try {
            pqxx::connection c(as(QStringLiteral("bob")).toStdString());
            pqxx::work tx(c);
            tx.exec_params("SELECT idem.event_index_prepare($1::date, $1::date)", old);
        } catch (const pqxx::sql_error &e) {
            refused = QString::fromStdString(e.sqlstate()) + QLatin1Char(' ') + QString::fromUtf8(e.what());
        }
        QVERIFY2(refused.contains(QStringLiteral("bob may not create event index partitions: this session does not hold the index lease")), qPrintable(refused));
        ops::OpsLease lease(as(QStringLiteral("bob")), ops::LeaseDuty::Index, QStringLiteral("retention test"));
        auto held = lease.acquireOrRenew(PollControl::within(10s));
        QVERIFY2(held.ok() && *held, qPrintable(held.error()));
        int dropped = -1;
        Status wrote = lease.write(PollControl::within(20s), [&](pqxx::transaction_base &tx) {
            tx.exec_params("SELECT idem.event_index_prepare($1::date, $2::date)", old, kept);
            tx.exec_params("INSERT INTO idem.event_index VALUES ('old-1', 'old.topic', 0, 10, $1::date + time '12:00', NULL), "
                           "('old-2', 'old.topic', 0, 11, $2::date + time '12:00', NULL)", old, kept);
            tx.exec_params("INSERT INTO idem.event_index_position (topic, partition_id, next_offset, first_offset, "
                           "first_time, last_time, indexed) VALUES ('old.topic', 0, 12, 10, $1::date + time '12:00', "
                           "$2::date + time '12:00', 2)", old, kept);
            dropped = tx.exec_params1("SELECT idem.event_index_expire(7)")[0].as<int>();
        });
        QVERIFY2(wrote.ok(), qPrintable(wrote.error()));
        QVERIFY(dropped >= 1);
        QCOMPARE(scalar("SELECT count(*) FROM idem.event_index WHERE topic = 'old.topic'"), 1);
        QCOMPARE(scalar("SELECT first_offset FROM idem.event_index_position WHERE topic = 'old.topic'"), 11);
        QCOMPARE(scalar("SELECT count(*) FROM idem.event_index_days() d WHERE d < current_date - 7"), 0);
    }

    void indexRunServesUntilSigterm()
    {
        QTemporaryDir dir;
        const QString config = writeConfig(dir);
        auto rows = [&] { return scalar("SELECT count(*) FROM idem.event_index"); };
        QProcess service;
        service.setProcessEnvironment(passwordFor(QStringLiteral("bob")));
        service.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), config, QStringLiteral("index"), QStringLiteral("run")});
        QVERIFY(service.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(scalar("SELECT count(*) FROM idem.lease_holder WHERE duty = 'index' AND alive "
                                         "AND holder LIKE 'idemctl index run on %' AND holder_role = 'bob'"),
                                  1, 30000);
        const qint64 before = rows();
        produce(100);
        QTRY_COMPARE_WITH_TIMEOUT(rows(), before + 100, 30000);
        service.terminate(); // SIGTERM
        QVERIFY(service.waitForFinished(10000));
        QCOMPARE(service.exitStatus(), QProcess::NormalExit);
        QCOMPARE(service.exitCode(), 0);
        QVERIFY(service.readAllStandardError().contains("stopped; indexed 100 messages"));
        // It gave the lease up: nobody holds it now.
        QCOMPARE(scalar("SELECT count(*) FROM idem.lease_holder WHERE duty = 'index' AND alive"), 0);
        checkIndexMatchesTopic();
    }
};

QTEST_GUILESS_MAIN(TestEventIndex)
#include "tst_eventindex.moc"
