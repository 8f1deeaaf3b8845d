// Proves the sandbox world behaves like production and stays correct: with
// every fault on, each produced event_id is, in each subscribed store, either
// processed exactly once or dead-lettered; business effects equal one
// processing of each event; poison messages reach the DLQ after exactly the
// configured attempts with all headers; the schema bump fails in shipping
// only; the summary's dead_lettered equals the DLQ topics' contents.
// Everything is checked with independent reads: SQL as Idem's read-only role
// and a separate Kafka client.

#include "connectors/config/configfile.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "tests/support/topicreader.h"

#include <pqxx/pqxx>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

#include <sys/stat.h>

using idem::testsupport::readTopic;
using idem::testsupport::Record;

namespace {

const QByteArrayList kDlqHeaders{"event_id",        "entity_key",         "event_type",
                                 "event_version",   "original_topic",     "original_partition",
                                 "original_offset", "attempt",            "error",
                                 "failed_at",       "consumer_group"};

struct StoreRow
{
    QString status;
    int attempts = 0;
    QString type;
    QString entity;
    int processedLogRows = 0;
    QStringList outcomes;
};

int rank(const QString &state)
{
    static const QHash<QString, int> ranks{{QStringLiteral("open"), 1},      {QStringLiteral("preparing"), 2},
                                           {QStringLiteral("paid"), 3},      {QStringLiteral("shipped"), 4},
                                           {QStringLiteral("void"), 5},      {QStringLiteral("cancelled"), 5}};
    return ranks.value(state);
}

} // namespace

class TestSandbox : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_sandbox;
    idem::models::Config m_config;
    QString m_bootstrap;
    QJsonObject m_summary;

    QString connection(const QString &store) const
    {
        return m_config.store(QStringLiteral("sandbox"), store)->connection;
    }

    // event_id -> registry row and its attempt log, read through the store's mapping.
    QHash<QString, StoreRow> readStore(const QString &storeName)
    {
        const auto *store = m_config.store(QStringLiteral("sandbox"), storeName);
        QHash<QString, StoreRow> rows;
        pqxx::connection conn(store->connection.toStdString());
        pqxx::read_transaction tx(conn);
        auto rc = [&](const char *logical) { return tx.quote_name(store->registry.column(QString::fromLatin1(logical)).toStdString()); };
        auto ac = [&](const char *logical) { return tx.quote_name(store->attempts.column(QString::fromLatin1(logical)).toStdString()); };
        const auto registry = tx.exec("SELECT " + rc("event_id") + ", " + rc("status") + ", " + rc("attempts") + ", " +
                                      rc("event_type") + ", " + rc("entity_key") + " FROM " +
                                      tx.quote_name(store->registry.table.toStdString()));
        for (const auto &r : registry) {
            StoreRow row;
            row.status = QString::fromStdString(r[1].as<std::string>());
            row.attempts = r[2].as<int>();
            row.type = QString::fromStdString(r[3].as<std::string>(""));
            row.entity = QString::fromStdString(r[4].as<std::string>(""));
            rows.insert(QString::fromStdString(r[0].as<std::string>()), row);
        }
        const auto log = tx.exec("SELECT " + ac("event_id") + ", " + ac("outcome") + " FROM " +
                                 tx.quote_name(store->attempts.table.toStdString()) + " ORDER BY " + ac("at"));
        for (const auto &r : log) {
            StoreRow &row = rows[QString::fromStdString(r[0].as<std::string>())];
            const QString outcome = QString::fromStdString(r[1].as<std::string>());
            row.outcomes << outcome;
            if (outcome == store->outcomeValue(QStringLiteral("processed")))
                ++row.processedLogRows;
        }
        return rows;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        ::chmod(m_dir.path().toLocal8Bit().constData(), 0711); // as root, postgres must enter it
        m_sandbox.setProgram(QStringLiteral(IDEM_SANDBOX));
        m_sandbox.setArguments({QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--duration"),
                                QStringLiteral("26"), QStringLiteral("--seed"), QStringLiteral("7"),
                                QStringLiteral("--rate"), QStringLiteral("60"), QStringLiteral("--retry-delays"),
                                QStringLiteral("0.3,0.6,1"), QStringLiteral("--log-level"), QStringLiteral("warn")});
        m_sandbox.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_sandbox.start();
        QVERIFY(m_sandbox.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_sandbox.canReadLine() || m_sandbox.state() != QProcess::Running, 90000);
        const QString ready = QString::fromUtf8(m_sandbox.readLine()).trimmed();
        QVERIFY2(ready.startsWith(QStringLiteral("READY /")), qPrintable(ready));
        auto config = idem::connectors::loadConfig(ready.mid(6));
        QVERIFY2(config.ok(), qPrintable(config.error()));
        m_config = *config;
        m_bootstrap = m_config.cluster(QStringLiteral("sandbox"), QStringLiteral("sandbox"))->property(QStringLiteral("bootstrap.servers"));
        QVERIFY(!m_bootstrap.isEmpty());
        // The config names no secret: passwords live in the pgpass file.
        QFile file(ready.mid(6));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains("password"));

        // Wait for production to stop and the consumers to finish what is in flight.
        const QString status = m_dir.filePath(QStringLiteral("status.json"));
        auto phase = [&] {
            QFile f(status);
            f.open(QIODevice::ReadOnly);
            return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("phase")).toString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(phase(), QStringLiteral("still"), 150000);

        m_dlqCount = m_sourceCount = 0;
        for (const QString &topic : {QStringLiteral("orders.dlq"), QStringLiteral("payments.dlq")})
            for (const auto &w : idem::testsupport::watermarks(m_bootstrap, topic))
                m_dlqCount += w.high - w.low;
        for (const QString &topic : {QStringLiteral("orders.events"), QStringLiteral("payments.events")})
            for (const auto &w : idem::testsupport::watermarks(m_bootstrap, topic))
                m_sourceCount += w.high - w.low;
    }

    void storesAreReadOnlyForIdem()
    {
        pqxx::connection conn(connection(QStringLiteral("billing")).toStdString());
        pqxx::work tx(conn);
        QVERIFY_THROWS_EXCEPTION(pqxx::sql_error, tx.exec0("DELETE FROM processed_events"));
    }

    void everyEventProcessedOnceOrDeadLettered()
    {
        const QList<Record> orders = readTopic(m_bootstrap, QStringLiteral("orders.events"));
        const QList<Record> payments = readTopic(m_bootstrap, QStringLiteral("payments.events"));
        const QList<Record> dlq = readTopic(m_bootstrap, QStringLiteral("orders.dlq"))
            + readTopic(m_bootstrap, QStringLiteral("payments.dlq"));
        QVERIFY(orders.size() > 500);
        QVERIFY(payments.size() > 200);

        QSet<QPair<QString, QString>> deadLettered; // (group, event_id)
        for (const Record &r : dlq)
            deadLettered.insert({QString::fromUtf8(r.header("consumer_group")), QString::fromUtf8(r.header("event_id"))});

        QSet<QString> orderIds, paymentIds;
        int duplicateSends = 0;
        for (const Record &r : orders) {
            const QString id = QString::fromUtf8(r.header("event_id"));
            QVERIFY(!id.isEmpty());
            duplicateSends += orderIds.contains(id);
            orderIds.insert(id);
        }
        for (const Record &r : payments) {
            const QJsonObject json = QJsonDocument::fromJson(r.payload).object();
            // Unreadable payments are named by where they were produced.
            const QString id = json.isEmpty() ? QStringLiteral("payments.events-%1-%2").arg(r.partition).arg(r.offset)
                                              : json.value(QStringLiteral("event_id")).toString();
            duplicateSends += paymentIds.contains(id);
            paymentIds.insert(id);
        }
        QVERIFY2(duplicateSends > 0, "the seed should include duplicate sends");

        const QList<QPair<QString, QSet<QString>>> subscriptions{
            {QStringLiteral("billing"), orderIds}, {QStringLiteral("shipping"), orderIds}, {QStringLiteral("ledger"), paymentIds}};
        for (const auto &[store, ids] : subscriptions) {
            const auto *config = m_config.store(QStringLiteral("sandbox"), store);
            const auto rows = readStore(store);
            QCOMPARE(rows.size(), ids.size());
            int processed = 0, dead = 0;
            for (const QString &id : ids) {
                QVERIFY2(rows.contains(id), qPrintable(store + QStringLiteral(" misses ") + id));
                const StoreRow &row = rows[id];
                if (row.status == config->outcomeValue(QStringLiteral("processed"))) {
                    QCOMPARE(row.processedLogRows, 1);
                    ++processed;
                } else {
                    QCOMPARE(row.status, config->outcomeValue(QStringLiteral("dead_lettered")));
                    QCOMPARE(row.processedLogRows, 0);
                    QVERIFY2(deadLettered.contains({store, id}), qPrintable(id));
                    ++dead;
                }
            }
            QVERIFY(processed > 0);
            qInfo("%s: %d processed, %d dead-lettered", qPrintable(store), processed, dead);
        }
    }

    void businessEffectsEqualOneProcessingPerEvent()
    {
        const QList<QPair<QString, QString>> orderStores{{QStringLiteral("billing"), QStringLiteral("invoices")},
                                                          {QStringLiteral("shipping"), QStringLiteral("shipments")}};
        for (const auto &[store, table] : orderStores) {
            const auto *config = m_config.store(QStringLiteral("sandbox"), store);
            const auto rows = readStore(store);
            QHash<QString, int> expected; // order -> highest rank of its processed events
            for (const StoreRow &row : rows) {
                if (row.status != config->outcomeValue(QStringLiteral("processed")))
                    continue;
                static const QHash<QString, QHash<QString, int>> ranks{
                    {QStringLiteral("billing"), {{QStringLiteral("order.created"), 1}, {QStringLiteral("order.paid"), 3}, {QStringLiteral("order.cancelled"), 5}}},
                    {QStringLiteral("shipping"), {{QStringLiteral("order.confirmed"), 2}, {QStringLiteral("order.shipped"), 4}, {QStringLiteral("order.cancelled"), 5}}}};
                const int r = ranks[store].value(row.type);
                if (r)
                    expected[row.entity] = std::max(expected.value(row.entity), r);
            }
            pqxx::connection conn(config->connection.toStdString());
            pqxx::read_transaction tx(conn);
            const auto states = tx.exec("SELECT order_id, state FROM " + table.toStdString());
            QCOMPARE(qsizetype(states.size()), expected.size());
            for (const auto &s : states) {
                const QString order = QString::fromStdString(s[0].as<std::string>());
                QCOMPARE(rank(QString::fromStdString(s[1].as<std::string>())), expected.value(order));
            }
        }

        // The ledger: one entry per processed payment event, refunds negative.
        const QList<Record> payments = readTopic(m_bootstrap, QStringLiteral("payments.events"));
        QHash<QString, qint64> amounts;
        for (const Record &r : payments) {
            const QJsonObject json = QJsonDocument::fromJson(r.payload).object();
            if (json.isEmpty())
                continue;
            const qint64 cents = json.value(QStringLiteral("amount_cents")).toInteger();
            amounts[json.value(QStringLiteral("event_id")).toString()] =
                json.value(QStringLiteral("event_type")).toString() == QLatin1String("payment.refunded") ? -cents : cents;
        }
        const auto rows = readStore(QStringLiteral("ledger"));
        qint64 expectedSum = 0, expectedCount = 0;
        for (auto it = rows.cbegin(); it != rows.cend(); ++it) {
            if (it->status == QLatin1String("processed")) {
                expectedSum += amounts.value(it.key());
                ++expectedCount;
            }
        }
        pqxx::connection conn(connection(QStringLiteral("ledger")).toStdString());
        pqxx::read_transaction tx(conn);
        const auto ledger = tx.exec1("SELECT count(*), coalesce(sum(amount_cents), 0) FROM ledger_entries");
        QCOMPARE(ledger[0].as<qint64>(), expectedCount);
        QCOMPARE(ledger[1].as<qint64>(), expectedSum);
    }

    void poisonReachesDeadLettersAfterAllAttempts()
    {
        const QList<Record> orders = readTopic(m_bootstrap, QStringLiteral("orders.events"));
        const QList<Record> dlq = readTopic(m_bootstrap, QStringLiteral("orders.dlq"));
        int poison = 0;
        QSet<QByteArray> seen;
        for (const Record &r : orders) {
            QJsonParseError error;
            QJsonDocument::fromJson(r.payload, &error);
            if (error.error == QJsonParseError::NoError)
                continue;
            const QByteArray id = r.header("event_id");
            if (seen.contains(id))
                continue; // a duplicate send is skipped by the stores: only the first is retried
            seen.insert(id);
            ++poison;
            for (const QString &group : {QStringLiteral("billing"), QStringLiteral("shipping")}) {
                const auto copies = std::count_if(dlq.begin(), dlq.end(), [&](const Record &d) {
                    return d.header("event_id") == id && d.header("consumer_group") == group.toUtf8();
                });
                QCOMPARE(copies, 1);
                const Record &d = *std::find_if(dlq.begin(), dlq.end(), [&](const Record &d) {
                    return d.header("event_id") == id && d.header("consumer_group") == group.toUtf8();
                });
                for (const QByteArray &h : kDlqHeaders)
                    QVERIFY2(d.hasHeader(h), h.constData());
                QCOMPARE(d.header("attempt"), QByteArray("4"));
                QCOMPARE(d.header("original_topic"), QByteArray("orders.events"));
                QCOMPARE(d.header("original_partition").toInt(), r.partition);
                QCOMPARE(d.header("original_offset").toLongLong(), r.offset);
                QVERIFY(d.header("error").startsWith("invalid JSON payload"));
                QCOMPARE(d.key, r.key);
                QCOMPARE(d.payload, r.payload);
                const StoreRow row = readStore(group).value(QString::fromUtf8(id));
                QCOMPARE(row.attempts, 4);
                const auto *config = m_config.store(QStringLiteral("sandbox"), group);
                // A redelivery may add duplicate_skipped rows; the attempts themselves are exact.
                QStringList attempts = row.outcomes;
                attempts.removeAll(config->outcomeValue(QStringLiteral("duplicate_skipped")));
                QCOMPARE(attempts, (QStringList{config->outcomeValue(QStringLiteral("retry_scheduled")),
                                                    config->outcomeValue(QStringLiteral("retry_scheduled")),
                                                    config->outcomeValue(QStringLiteral("retry_scheduled")),
                                                    config->outcomeValue(QStringLiteral("dead_lettered"))}));
            }
        }
        QVERIFY2(poison > 0, "the seed should include poison messages");
    }

    void schemaBumpFailsInShippingOnly()
    {
        const QList<Record> orders = readTopic(m_bootstrap, QStringLiteral("orders.events"));
        const auto billing = readStore(QStringLiteral("billing"));
        const auto shipping = readStore(QStringLiteral("shipping"));
        int bumped = 0;
        for (const Record &r : orders) {
            if (r.header("event_version") != "2" || !QJsonDocument::fromJson(r.payload).isObject())
                continue;
            ++bumped;
            const QString id = QString::fromUtf8(r.header("event_id"));
            QCOMPARE(shipping.value(id).status, QStringLiteral("parked"));
            // billing reads version 2; it fails only when its downstream outage hit the event.
            QVERIFY2(billing.value(id).status == QLatin1String("processed")
                         || billing.value(id).status == QLatin1String("dead_lettered"),
                     qPrintable(id));
        }
        QVERIFY2(bumped > 0, "the seed should include schema-bumped events");
    }

    void outageDeadLettersInBillingOnly()
    {
        const QList<Record> dlq = readTopic(m_bootstrap, QStringLiteral("orders.dlq"));
        const auto shipping = readStore(QStringLiteral("shipping"));
        int outage = 0;
        for (const Record &d : dlq) {
            if (!d.header("error").startsWith("payment gateway unavailable"))
                continue;
            ++outage;
            QCOMPARE(d.header("consumer_group"), QByteArray("billing"));
            QCOMPARE(d.header("attempt"), QByteArray("4"));
        }
        QVERIFY2(outage > 0, "the outage should exhaust some events' retries");
    }

    void idemctlLagMatchesIndependentReads()
    {
        QProcess ctl;
        ctl.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), m_config.sourcePath, QStringLiteral("lag"),
                                            QStringLiteral("--json"), QStringLiteral("--polls"), QStringLiteral("1")});
        QVERIFY(ctl.waitForFinished(60000));
        QCOMPARE(ctl.exitCode(), 0);
        const QJsonArray flows = QJsonDocument::fromJson(ctl.readAllStandardOutput()).object().value(QStringLiteral("flows")).toArray();
        QCOMPARE(flows.size(), 2);
        int rows = 0;
        for (const auto &fv : flows) {
            for (const auto &gv : fv.toObject().value(QStringLiteral("groups")).toArray()) {
                const QJsonObject g = gv.toObject();
                const QString group = g.value(QStringLiteral("group")).toString();
                // A separate client of the group reads its committed offsets.
                auto reader = idem::connectors::kafka::createClient(
                    RD_KAFKA_CONSUMER, {{QStringLiteral("bootstrap.servers"), m_bootstrap}, {QStringLiteral("group.id"), group}});
                QVERIFY(reader.ok());
                qint64 lagTotal = 0;
                for (const auto &pv : g.value(QStringLiteral("partitions")).toArray()) {
                    const QJsonObject p = pv.toObject();
                    const QString topic = p.value(QStringLiteral("topic")).toString();
                    const int partition = p.value(QStringLiteral("partition")).toInt();
                    idem::connectors::kafka::PartitionList list(rd_kafka_topic_partition_list_new(1));
                    rd_kafka_topic_partition_list_add(list.get(), topic.toUtf8().constData(), partition);
                    QCOMPARE(rd_kafka_committed(reader->get(), list.get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
                    const qint64 committed = list->elems[0].offset;
                    QCOMPARE(p.value(QStringLiteral("committed")).toInteger(-1), committed < 0 ? -1 : committed);
                    const auto marks = idem::testsupport::watermarks(m_bootstrap, topic).value(partition);
                    QCOMPARE(p.value(QStringLiteral("low")).toInteger(), marks.low);
                    QCOMPARE(p.value(QStringLiteral("high")).toInteger(), marks.high);
                    const qint64 lag = marks.high - std::max(committed, marks.low);
                    QCOMPARE(p.value(QStringLiteral("lag")).toInteger(), lag);
                    lagTotal += lag;
                    // The world stands still: every group has read everything.
                    QCOMPARE(lag, 0);
                    QCOMPARE(p.value(QStringLiteral("lag_seconds")).toDouble(), 0.0);
                    QVERIFY(p.value(QStringLiteral("lag_share")).isNull()); // no lag in the group to share
                    ++rows;
                }
                QCOMPARE(g.value(QStringLiteral("lag")).toInteger(), lagTotal);
                rd_kafka_consumer_close(reader->get());
            }
        }
        QVERIFY(rows >= 15); // 6 + 6 + 3 source partitions, plus retry partitions with commits

        QProcess health;
        health.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), m_config.sourcePath, QStringLiteral("health"),
                                               QStringLiteral("--json"), QStringLiteral("--interval"), QStringLiteral("0.5")});
        QVERIFY(health.waitForFinished(60000));
        QCOMPARE(health.exitCode(), 0);
        const QJsonObject h = QJsonDocument::fromJson(health.readAllStandardOutput()).object();
        const QJsonArray connections = h.value(QStringLiteral("connections")).toArray();
        QCOMPARE(connections.size(), 5); // the cluster, three stores, the ops database
        for (const auto &c : connections)
            QCOMPARE(c.toObject().value(QStringLiteral("state")).toString(), QStringLiteral("ok"));
        qint64 deadLetters = 0;
        for (const auto &f : h.value(QStringLiteral("flows")).toArray()) {
            deadLetters += f.toObject().value(QStringLiteral("dead_letters")).toInteger();
            QCOMPARE(f.toObject().value(QStringLiteral("errors_per_minute")).toDouble(), 0.0); // still
            QCOMPARE(f.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("OK"));
        }
        QCOMPARE(deadLetters, m_dlqCount);

        // The stores' own figures equal counts taken with plain SQL (the
        // world is younger than the five-minute window).
        const QJsonArray stores = h.value(QStringLiteral("stores")).toArray();
        QCOMPARE(stores.size(), 3);
        for (const auto &sv : stores) {
            const QJsonObject st = sv.toObject();
            const auto *config = m_config.store(QStringLiteral("sandbox"), st.value(QStringLiteral("store")).toString());
            QVERIFY(config);
            pqxx::connection conn(config->connection.toStdString());
            pqxx::read_transaction tx(conn);
            const std::string outcome = tx.quote_name(config->attempts.column(QStringLiteral("outcome")).toStdString());
            const std::string attempt = tx.quote_name(config->attempts.column(QStringLiteral("attempt")).toStdString());
            auto count = [&](const QString &logical) {
                return tx.exec_params1("SELECT count(*) FROM " + tx.quote_name(config->attempts.table.toStdString()) +
                                           " WHERE " + outcome + " = $1",
                                       config->outcomeValue(logical).toStdString())[0]
                    .as<qint64>();
            };
            QCOMPARE(st.value(QStringLiteral("processed")).toInteger(), count(QStringLiteral("processed")));
            QCOMPARE(st.value(QStringLiteral("duplicates_skipped")).toInteger(), count(QStringLiteral("duplicate_skipped")));
            QCOMPARE(st.value(QStringLiteral("dead_lettered")).toInteger(), count(QStringLiteral("dead_lettered")));
            QCOMPARE(st.value(QStringLiteral("failed")).toInteger(),
                     count(QStringLiteral("retry_scheduled")) + count(QStringLiteral("dead_lettered")) + count(QStringLiteral("failed")));
            const qint64 retried = tx.exec_params1("SELECT count(*) FROM " + tx.quote_name(config->attempts.table.toStdString()) +
                                                       " WHERE " + attempt + " > 1 AND " + outcome + " <> $1",
                                                   config->outcomeValue(QStringLiteral("duplicate_skipped")).toStdString())[0]
                                       .as<qint64>();
            QCOMPARE(st.value(QStringLiteral("retried")).toInteger(), retried);
            QVERIFY(st.value(QStringLiteral("processed")).toInteger() > 0);
        }
    }

    void summaryMatchesTopics()
    {
        m_sandbox.terminate();
        QVERIFY(m_sandbox.waitForFinished(60000));
        QCOMPARE(m_sandbox.exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_sandbox.exitCode(), 0);
        const QByteArray last = m_sandbox.readAllStandardOutput().trimmed().split('\n').last();
        m_summary = QJsonDocument::fromJson(last).object();
        QVERIFY2(!m_summary.isEmpty(), last.constData());
        // Compared with what the topics held once the world stood still.
        QCOMPARE(m_summary.value(QStringLiteral("dead_lettered")).toInteger(), m_dlqCount);
        QCOMPARE(m_summary.value(QStringLiteral("produced")).toInteger(), m_sourceCount);
        QVERIFY(m_summary.value(QStringLiteral("retries")).toInteger() >= 3 * m_dlqCount);
        QVERIFY(m_summary.value(QStringLiteral("duplicates_skipped")).toInteger() > 0);
        const QJsonObject processed = m_summary.value(QStringLiteral("processed")).toObject();
        QCOMPARE(processed.keys(), (QStringList{QStringLiteral("billing"), QStringLiteral("ledger"), QStringLiteral("shipping")}));
        // Nothing is left behind: the world cleaned its files from --dir.
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("idem.yaml"))));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("pgpass"))));
        QCOMPARE(QDir(m_dir.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot), QStringList());
    }

    void cleanupTestCase()
    {
        if (m_sandbox.state() != QProcess::NotRunning) {
            m_sandbox.kill();
            m_sandbox.waitForFinished();
        }
    }

private:
    qint64 m_dlqCount = 0;
    qint64 m_sourceCount = 0;
};

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_sandbox.moc"
