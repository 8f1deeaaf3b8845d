// Proves the Dead letters page's data layer on a real (mock) Kafka cluster
// and a real PostgreSQL store: over 50 000 dead letters in each of the Idem,
// Spring Kafka (binary big-endian headers) and Kafka Connect conventions, the
// lazy model (under QAbstractItemModelTester) shows every retained dead letter
// exactly once, newest first per partition, each column equal to what was
// written as an independent librdkafka read finds it; a row in the middle
// loads without loading the rest; a filter over the whole topic finds exactly
// the matches and reports the ranges it read, and what it did not read when
// cancelled; already-processed comes from the store ("unknown: store … down"
// when it is down); undecodable dead letters show their decode problem; the
// page opens a record and hands over the selection. A text filter's shortcut
// (records skipped undecoded) gives exactly what decoding every record gives,
// on those topics and on one of records built to defeat it.

#include "connectors/config/configfile.h"
#include "connectors/deadletters/deadletterreader.h"
#include "connectors/deadletters/deadletterservice.h"
#include "connectors/deadletters/processedlookup.h"
#include "connectors/kafka/kafkareader.h"
#include "connectors/kafka/mockkafka.h"
#include "connectors/postgres/localpostgres.h"
#include "models/deadletters/deadlettertablemodel.h"
#include "models/envelope/envelope.h"
#include "tests/support/deadlettercorpus.h"
#include "tests/support/topicreader.h"
#include "tests/support/topicwriter.h"
#include "ui/pages/deadletterspage.h"

#include <pqxx/pqxx>

#include <QAbstractItemModelTester>
#include <QHeaderView>
#include <QLabel>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QTableView>
#include <QPushButton>
#include <QtTest>

using namespace idem;
using idem::testsupport::bigEndian32;
using idem::testsupport::bigEndian64;

namespace {

constexpr int kPartitions = 12;
constexpr qint64 kBaseTime = 1795700000000LL;

int deadLetterCount()
{
    const int n = qEnvironmentVariableIntValue("IDEM_TEST_DEAD_LETTERS");
    return n > 0 ? n : 50000;
}

// Every 1000th Idem dead letter has neither an event_id header nor a readable payload.
bool undecodable(const QString &convention, int i)
{
    return convention == QLatin1String("idem") && i % 1000 == 999;
}

QString eventId(const QString &convention, int i)
{
    return QStringLiteral("ev-%1-%2").arg(convention).arg(i);
}

models::RawMessage deadLetter(const QString &convention, int i)
{
    models::RawMessage m;
    m.topic = convention + QStringLiteral(".dlq");
    m.partition = i % kPartitions;
    m.timestampMs = kBaseTime + i * 10LL;
    m.key = QByteArray("k-") + QByteArray::number(i);
    const QByteArray id = eventId(convention, i).toUtf8();
    m.value = "{\"event_id\":\"" + id + "\",\"n\":" + QByteArray::number(i) + "}";
    auto h = [&](const char *name, const QByteArray &value) { m.headers.append({QByteArray(name), value}); };
    if (convention == QLatin1String("idem")) {
        if (undecodable(convention, i)) {
            m.value = QByteArray("\xff\xfe\x00\x01 not json", 15);
        } else {
            h("event_id", id);
        }
        h("entity_key", "order-" + QByteArray::number(i % 500));
        h("event_type", "order.created");
        h("event_version", "2");
        h("attempt", QByteArray::number(1 + i % 4));
        h("original_topic", "orders");
        h("original_partition", "1");
        h("original_offset", QByteArray::number(1000 + i));
        h("consumer_group", i % 2 ? "billing" : "shipping");
        h("error", i % 5 == 0 ? QByteArray("timeout after " + QByteArray::number(i) + " ms")
                              : QByteArray("no such customer " + QByteArray::number(i)));
    } else if (convention == QLatin1String("spring")) {
        h("kafka_dlt-original-topic", "orders");
        h("kafka_dlt-original-partition", bigEndian32(3));
        h("kafka_dlt-original-offset", bigEndian64(5000 + i));
        h("kafka_dlt-original-timestamp", bigEndian64(kBaseTime + i));
        h("kafka_dlt-original-consumer-group", "fulfilment");
        h("kafka_dlt-exception-fqcn", "org.springframework.kafka.listener.ListenerExecutionFailedException");
        h("kafka_dlt-exception-message", "Listener failed; item " + QByteArray::number(i));
        h("retry_topic-attempts", bigEndian32(3));
    } else {
        h("__connect.errors.topic", "orders");
        h("__connect.errors.partition", "2");
        h("__connect.errors.offset", QByteArray::number(9000 + i));
        h("__connect.errors.connector.name", "orders-sink");
        h("__connect.errors.task.id", "0");
        h("__connect.errors.stage", "VALUE_CONVERTER");
        h("__connect.errors.exception.class.name", "org.apache.kafka.connect.errors.DataException");
        h("__connect.errors.exception.message", "Converting failed for n=" + QByteArray::number(i));
    }
    return m;
}

// The index a dead letter was written with, from its key.
int indexOf(const testsupport::Record &r)
{
    return r.key.mid(2).toInt();
}

void checkRow(const QString &convention, const models::DeadLetterRow &row, const testsupport::Record &record)
{
    const int i = indexOf(record);
    QCOMPARE(row.ref.topic, record.topic);
    QCOMPARE(row.ref.partition, record.partition);
    QCOMPARE(row.ref.offset, record.offset);
    QCOMPARE(row.timestampMs, record.timestampMs);
    QCOMPARE(row.timestampMs, kBaseTime + i * 10LL);
    QCOMPARE(row.entityKey, convention == QLatin1String("idem") ? QStringLiteral("order-%1").arg(i % 500)
                                                                 : QStringLiteral("k-%1").arg(i));
    if (convention == QLatin1String("idem")) {
        if (undecodable(convention, i)) {
            QVERIFY(row.eventId.isEmpty());
            QVERIFY2(row.errorText().contains(QLatin1String("decode problem: could not read event_id")),
                     qPrintable(row.errorText()));
        } else {
            QCOMPARE(row.eventId, eventId(convention, i));
            QVERIFY(row.problems.isEmpty());
        }
        QCOMPARE(row.typeAndVersion(), QStringLiteral("order.created v2"));
        QCOMPARE(row.attempts, std::optional<qint64>(1 + i % 4));
        QCOMPARE(row.consumerGroup, QString::fromLatin1(i % 2 ? "billing" : "shipping"));
        QCOMPARE(row.originText(), QStringLiteral("orders[1]@%1").arg(1000 + i));
        QVERIFY(row.errorText().startsWith(i % 5 == 0 ? QStringLiteral("timeout after %1 ms").arg(i)
                                                      : QStringLiteral("no such customer %1").arg(i)));
        QCOMPARE(row.failureLabel, i % 5 == 0 ? QStringLiteral("timeout after <n> ms") : QStringLiteral("no such customer <n>"));
    } else if (convention == QLatin1String("spring")) {
        QCOMPARE(row.eventId, eventId(convention, i));
        QCOMPARE(row.attempts, std::optional<qint64>(3));
        QCOMPARE(row.consumerGroup, QStringLiteral("fulfilment"));
        QCOMPARE(row.originText(), QStringLiteral("orders[3]@%1").arg(5000 + i));
        QCOMPARE(row.errorText(), QStringLiteral("org.springframework.kafka.listener.ListenerExecutionFailedException: "
                                                 "Listener failed; item %1").arg(i));
    } else {
        QCOMPARE(row.eventId, eventId(convention, i));
        QCOMPARE(row.attempts, std::nullopt);
        QCOMPARE(row.originText(), QStringLiteral("orders[2]@%1").arg(9000 + i));
        QCOMPARE(row.errorText(), QStringLiteral("org.apache.kafka.connect.errors.DataException: Converting failed for n=%1").arg(i));
    }
}

} // namespace

class TestDeadLetters : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<connectors::kafka::MockKafka> m_kafka;
    std::unique_ptr<connectors::LocalPostgres> m_pg;
    QHash<QString, QList<testsupport::Record>> m_records; // by convention, the independent read
    int m_n = 0;

    models::EnvironmentConfig environment(bool storeDown = false) const
    {
        models::EnvironmentConfig env;
        env.name = QStringLiteral("test");
        env.clusters = {{QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}}}};
        models::StoreConfig billing;
        billing.name = QStringLiteral("billing-store");
        billing.connection = storeDown ? QStringLiteral("host=127.0.0.1 port=1 dbname=store connect_timeout=2")
                                       : m_pg->connectionString(QStringLiteral("store"));
        env.stores = {billing};
        for (const QString &convention : {QStringLiteral("idem"), QStringLiteral("spring"), QStringLiteral("connect")}) {
            models::FlowConfig f;
            f.name = convention;
            f.cluster = QStringLiteral("main");
            f.topics = {QStringLiteral("orders")};
            f.deadLetterTopic = convention + QStringLiteral(".dlq");
            f.deadLetterEnvelope.preset = convention;
            if (convention == QLatin1String("idem"))
                f.groups = {{QStringLiteral("billing"), QStringLiteral("billing-store")}, {QStringLiteral("shipping"), {}}};
            env.flows.append(f);
        }
        return env;
    }

    const testsupport::Record &recordAt(const QString &convention, const models::DeadLetterRef &ref)
    {
        // The independent read is in partition, then offset order, offsets from 0.
        static QHash<QString, QHash<QPair<int, qint64>, qsizetype>> index;
        auto &byPosition = index[convention];
        if (byPosition.isEmpty()) {
            const auto &records = m_records[convention];
            for (qsizetype i = 0; i < records.size(); ++i)
                byPosition.insert({records[i].partition, records[i].offset}, i);
        }
        return m_records[convention].at(byPosition.value({ref.partition, ref.offset}, -1));
    }

private slots:
    void initTestCase()
    {
        m_n = deadLetterCount();
        auto kafka = connectors::kafka::MockKafka::start(1);
        QVERIFY2(kafka.ok(), qPrintable(kafka.error()));
        m_kafka = std::move(kafka.value());
        for (const QString &convention : {QStringLiteral("idem"), QStringLiteral("spring"), QStringLiteral("connect")}) {
            QVERIFY(m_kafka->createTopic(convention + QStringLiteral(".dlq"), kPartitions).ok());
            QList<models::RawMessage> batch;
            for (int i = 0; i < m_n; ++i)
                batch.append(deadLetter(convention, i));
            testsupport::produce(m_kafka->bootstrapServers(), batch);
            m_records.insert(convention, testsupport::readTopic(m_kafka->bootstrapServers(), convention + QStringLiteral(".dlq")));
            QCOMPARE(m_records[convention].size(), qsizetype(m_n));
        }
        // Records built to defeat a text filter's shortcut (tests/support/deadlettercorpus.h).
        QVERIFY(m_kafka->createTopic(QStringLiteral("corpus.dlq"), 3).ok());
        testsupport::produce(m_kafka->bootstrapServers(),
                             testsupport::deadLetterCorpus(QStringLiteral("corpus.dlq"), 3, 2000, kBaseTime));
        auto pg = connectors::LocalPostgres::start();
        QVERIFY2(pg.ok(), qPrintable(pg.error()));
        m_pg = std::move(pg.value());
        {
            pqxx::connection c(m_pg->connectionString().toStdString());
            pqxx::nontransaction tx(c);
            tx.exec("CREATE DATABASE store");
        }
        pqxx::connection c(m_pg->connectionString(QStringLiteral("store")).toStdString());
        pqxx::work tx(c);
        // Idem's events: every third processed, every third recorded as parked, the rest absent.
        tx.exec("CREATE TABLE processed_events (event_id text PRIMARY KEY, status text NOT NULL)");
        tx.exec_params("INSERT INTO processed_events SELECT 'ev-idem-' || g, CASE WHEN g % 3 = 0 THEN 'processed' "
                       "ELSE 'parked' END FROM generate_series(0, $1 - 1) g WHERE g % 3 <> 2",
                       m_n);
        tx.commit();
    }

    void rowsMatchAnIndependentRead_data()
    {
        QTest::addColumn<QString>("convention");
        QTest::newRow("idem") << QStringLiteral("idem");
        QTest::newRow("spring") << QStringLiteral("spring");
        QTest::newRow("connect") << QStringLiteral("connect");
    }

    void rowsMatchAnIndependentRead()
    {
        QFETCH(QString, convention);
        connectors::deadletters::DeadLetterService service(environment());
        models::DeadLetterTableModel model(&service);
        // The tester walks every row on each change: it watches the opening
        // and the first pages, then the walk below goes on without it.
        auto tester = std::make_unique<QAbstractItemModelTester>(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy opened(&model, &models::DeadLetterTableModel::opened);
        QSignalSpy loaded(&model, &models::DeadLetterTableModel::pageLoaded);
        model.open(convention);
        QVERIFY(opened.wait(20000));
        QCOMPARE(model.layout().error, QString());
        QCOMPARE(model.rowCount(), m_n);

        QSet<QPair<int, qint64>> seen;
        QHash<int, qint64> lastOffset; // newest first within each partition
        for (int first = 0; first < model.rowCount(); first += models::DeadLetterTableModel::PageSize) {
            if (first == 3 * models::DeadLetterTableModel::PageSize)
                tester.reset();
            model.data(model.index(first, models::DeadLetterTableModel::EventId));
            while (!model.rowAt(first).has_value())
                QVERIFY(loaded.wait(20000));
            const int last = std::min(model.rowCount(), first + models::DeadLetterTableModel::PageSize);
            for (int r = first; r < last; ++r) {
                const std::optional<models::DeadLetterRow> row = model.rowAt(r);
                QVERIFY2(row.has_value(), qPrintable(QStringLiteral("row %1 missing").arg(r)));
                QCOMPARE(row->ref, model.refAt(r));
                checkRow(convention, *row, recordAt(convention, row->ref));
                if (QTest::currentTestFailed())
                    return;
                QVERIFY(!seen.contains({row->ref.partition, row->ref.offset}));
                seen.insert({row->ref.partition, row->ref.offset});
                QVERIFY(row->ref.offset < lastOffset.value(row->ref.partition, std::numeric_limits<qint64>::max()));
                lastOffset.insert(row->ref.partition, row->ref.offset);
                // What the view shows is the row's values.
                QCOMPARE(model.data(model.index(r, models::DeadLetterTableModel::EventId)).toString(), row->eventId);
                QCOMPARE(model.data(model.index(r, models::DeadLetterTableModel::Position)).toString(), row->ref.text());
            }
            QVERIFY(model.cachedPages() <= models::DeadLetterTableModel::MaxCachedPages);
        }
        QCOMPARE(seen.size(), qsizetype(m_n));
        // The first row is the newest dead letter of partition 0.
        QCOMPARE(model.refAt(0).offset, m_n / kPartitions + (m_n % kPartitions > 0 ? 1 : 0) - 1);
    }

    void rowInTheMiddleLoadsAlone()
    {
        connectors::deadletters::DeadLetterService service(environment());
        models::DeadLetterTableModel model(&service);
        QSignalSpy opened(&model, &models::DeadLetterTableModel::opened);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.open(QStringLiteral("spring"));
        QVERIFY(opened.wait(20000));
        const int middle = m_n / 2 + 17;
        model.data(model.index(middle, models::DeadLetterTableModel::Error));
        QTRY_VERIFY_WITH_TIMEOUT(model.rowAt(middle).has_value(), 20000);
        checkRow(QStringLiteral("spring"), *model.rowAt(middle), recordAt(QStringLiteral("spring"), model.refAt(middle)));
        // The tester asked for every row: only the latest few pages were read.
        QVERIFY(model.cachedPages() <= models::DeadLetterTableModel::MaxPagesInFlight + 1);
        QVERIFY(!model.rowAt(m_n - 1).has_value() || !model.rowAt(0).has_value());
    }

    void filterFindsEveryMatchAndSaysWhatItRead()
    {
        connectors::deadletters::DeadLetterService service(environment());
        QSignalSpy finished(&service, &models::DeadLetterSource::scanFinished);
        QSignalSpy progress(&service, &models::DeadLetterSource::scanProgress);
        models::DeadLetterFilter filter;
        filter.failure = QStringLiteral("timeout after");
        filter.consumerGroup = QStringLiteral("billing");
        filter.from = QDateTime::fromMSecsSinceEpoch(kBaseTime + 1000 * 10LL, Qt::UTC);
        const quint64 ticket = service.requestScan(QStringLiteral("idem"), filter);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(0).value<quint64>(), ticket);
        QVERIFY(!progress.isEmpty());
        const auto scan = finished.first().at(1).value<models::DeadLetterScan>();
        // i % 5 == 0 (timeouts) and odd (billing) and i >= 1000.
        QList<int> expected;
        for (int i = 1000; i < m_n; ++i) {
            if (i % 5 == 0 && i % 2 == 1)
                expected << i;
        }
        QCOMPARE(scan.matched, qint64(expected.size()));
        QCOMPARE(scan.read, qint64(m_n));
        QVERIFY2(scan.complete(), qPrintable(scan.summary()));
        QCOMPARE(scan.ranges.size(), qsizetype(kPartitions));
        for (const auto &r : scan.ranges) {
            QCOMPARE(r.readFrom, 0);
            QCOMPARE(r.readTo, r.to);
        }
        QVERIFY2(scan.summary().contains(QLatin1String("every retained dead letter read")), qPrintable(scan.summary()));
        // Newest first: the highest index first.
        QCOMPARE(scan.matches.first().timestampMs, kBaseTime + expected.last() * 10LL);
        QCOMPARE(scan.matches.last().timestampMs, kBaseTime + expected.first() * 10LL);
        // A run without a filter counts the failure groups of every dead letter.
        finished.clear();
        service.requestScan(QStringLiteral("idem"), {});
        QVERIFY(finished.wait(60000));
        const auto all = finished.first().at(1).value<models::DeadLetterScan>();
        QVERIFY(all.complete());
        QCOMPARE(all.matches.size(), 0); // counted, not kept
        QMap<QString, qint64> groups;
        for (const auto &f : all.failures.failures())
            groups.insert(f.group.label(), f.count);
        QCOMPARE(groups.value(QStringLiteral("timeout after <n> ms")), qint64((m_n + 4) / 5));
        QCOMPARE(groups.value(QStringLiteral("no such customer <n>")), qint64(m_n - (m_n + 4) / 5));
        // First and last seen over the whole topic, not only its newest part.
        for (const auto &f : all.failures.failures()) {
            const bool timeout = f.group.label() == QLatin1String("timeout after <n> ms");
            QCOMPARE(f.oldest.toMSecsSinceEpoch(), kBaseTime + (timeout ? 0 : 10));
            const qint64 last = timeout ? (m_n - 1) / 5 * 5 : ((m_n - 1) % 5 == 0 ? m_n - 2 : m_n - 1);
            QCOMPARE(f.newest.toMSecsSinceEpoch(), kBaseTime + last * 10);
        }

        // The model shows exactly the matches, rows read on demand.
        models::DeadLetterTableModel model(&service);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy opened(&model, &models::DeadLetterTableModel::opened);
        model.open(QStringLiteral("idem"));
        QVERIFY(opened.wait(20000));
        model.showMatches(scan);
        QCOMPARE(model.rowCount(), int(expected.size()));
        model.data(model.index(0, 0));
        QTRY_VERIFY_WITH_TIMEOUT(model.rowAt(0).has_value(), 20000);
        QCOMPARE(model.rowAt(0)->eventId, eventId(QStringLiteral("idem"), expected.last()));
        // Sorted oldest first: every match (their times are known), the oldest on top.
        model.sortByTime(Qt::AscendingOrder);
        QCOMPARE(model.rowCount(), int(expected.size()));
        QVERIFY(!model.showsLoadedOnly());
        QCOMPARE(model.timeOrder(), std::optional<Qt::SortOrder>(Qt::AscendingOrder));
        model.data(model.index(0, 0));
        QTRY_VERIFY_WITH_TIMEOUT(model.rowAt(0).has_value(), 20000);
        QCOMPARE(model.rowAt(0)->eventId, eventId(QStringLiteral("idem"), expected.first()));
    }

    void textFilterShortcutGivesWhatDecodingEveryRecordGives()
    {
        const auto control = [] { return connectors::PollControl::within(std::chrono::seconds(60)); };
        const auto positions = [](const models::DeadLetterScan &scan) {
            QSet<QPair<int, qint64>> out;
            for (const auto &m : scan.matches)
                out.insert({m.partition, m.offset});
            return out;
        };
        // Both ways over the same topic: the same matches, the same ranges read.
        const auto bothWays = [&](const models::EnvironmentConfig &env, const QString &flow,
                                  const models::DeadLetterFilter &filter) {
            auto reader = connectors::deadletters::DeadLetterReader::forFlow(env, flow);
            if (!reader)
                qFatal("%s", qPrintable(reader.error()));
            const models::DeadLetterScan skipping = (*reader)->scan(filter, control());
            (*reader)->setPrefilter(false);
            const models::DeadLetterScan decoding = (*reader)->scan(filter, control());
            const QString what = flow + QStringLiteral(", ") + filter.describe();
            if (!skipping.complete() || !decoding.complete())
                qWarning("%s: %s / %s", qPrintable(what), qPrintable(skipping.summary()), qPrintable(decoding.summary()));
            if (skipping.matches != decoding.matches || skipping.matched != decoding.matched
                || skipping.read != decoding.read || skipping.ranges != decoding.ranges)
                qWarning("%s: %lld matched skipping, %lld decoding", qPrintable(what), skipping.matched, decoding.matched);
            return std::pair(skipping, decoding);
        };

        // The three conventions' topics: counts known from how they were written.
        struct Case
        {
            QString flow;
            QString text;
            std::function<bool(int)> expected;
        };
        const QList<Case> cases{
            {QStringLiteral("idem"), QStringLiteral("Decode Problem"), [](int i) { return i % 1000 == 999; }},
            // Undecodable ones (i % 1000 == 999) show no event_id.
            {QStringLiteral("idem"), QStringLiteral("ev-idem-4999"),
             [](int i) { return QString::number(i).startsWith(QLatin1String("4999")) && i % 1000 != 999; }},
            {QStringLiteral("spring"), QStringLiteral("item 4999"),
             [](int i) { return QString::number(i).startsWith(QLatin1String("4999")); }},
            {QStringLiteral("connect"), QStringLiteral("DataException: Converting failed for n=42"),
             [](int i) { return QString::number(i).startsWith(QLatin1String("42")); }},
        };
        for (const Case &c : cases) {
            models::DeadLetterFilter filter;
            filter.text = c.text;
            const auto [skipping, decoding] = bothWays(environment(), c.flow, filter);
            QVERIFY2(skipping.complete(), qPrintable(skipping.summary()));
            QCOMPARE(skipping.read, qint64(m_n));
            QCOMPARE(skipping.matches, decoding.matches);
            QCOMPARE(skipping.ranges, decoding.ranges);
            qint64 expected = 0;
            for (int i = 0; i < m_n; ++i)
                expected += c.expected(i) ? 1 : 0;
            QVERIFY(expected > 0);
            QCOMPARE(skipping.matched, expected);
        }

        // The corpus, read through each convention: the matches are those of
        // every record copied out of the topic and decoded, as filter runs
        // did before the shortcut.
        models::EnvironmentConfig env = environment();
        const QStringList presets{QStringLiteral("idem"), QStringLiteral("spring"), QStringLiteral("connect"),
                                  QStringLiteral("cloudevents")};
        for (const QString &preset : presets) {
            models::FlowConfig f;
            f.name = QStringLiteral("corpus-") + preset;
            f.cluster = QStringLiteral("main");
            f.deadLetterTopic = QStringLiteral("corpus.dlq");
            f.deadLetterEnvelope.preset = preset;
            env.flows.append(f);
        }
        connectors::kafka::KafkaReader copier({{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}});
        QList<connectors::kafka::OffsetRange> ranges;
        const auto marks = testsupport::watermarks(m_kafka->bootstrapServers(), QStringLiteral("corpus.dlq"));
        for (int p = 0; p < marks.size(); ++p)
            ranges.append({QStringLiteral("corpus.dlq"), p, marks[p].low, marks[p].high});
        const connectors::kafka::ReadResult copied = copier.read(ranges, 0, control());
        QVERIFY2(copied.complete(), qPrintable(copied.describeGaps()));
        QVERIFY(copied.messages.size() > 2000);
        QStringList needles = testsupport::corpusNeedles();
        needles << QStringLiteral("could not read event_id") << QStringLiteral("tombstone");
        qint64 matchedInAll = 0;
        for (const QString &preset : presets) {
            const models::EnvelopeSpec spec = models::makeEnvelopeSpec(preset).value();
            QList<models::DecodedEnvelope> decoded;
            for (const models::RawMessage &m : copied.messages)
                decoded << models::decodeFields(m, spec);
            for (const QString &needle : std::as_const(needles)) {
                models::DeadLetterFilter filter;
                filter.text = needle;
                if (needle == QLatin1String("customer"))
                    filter.consumerGroup = QStringLiteral("billing"); // beside a group
                if (needle == QLatin1String("0"))
                    filter.from = QDateTime::fromMSecsSinceEpoch(kBaseTime + 5000, Qt::UTC); // beside a time
                const auto [skipping, decoding] = bothWays(env, QStringLiteral("corpus-") + preset, filter);
                const QString what = preset + QStringLiteral(": ") + filter.describe();
                QVERIFY2(skipping.complete(), qPrintable(what));
                QVERIFY2(skipping.matches == decoding.matches, qPrintable(what));
                QVERIFY2(skipping.ranges == decoding.ranges, qPrintable(what));
                QSet<QPair<int, qint64>> expected;
                for (qsizetype i = 0; i < copied.messages.size(); ++i) {
                    if (filter.matches(copied.messages[i], decoded[i]))
                        expected.insert({copied.messages[i].partition, copied.messages[i].offset});
                }
                QVERIFY2(positions(skipping) == expected,
                         qPrintable(QStringLiteral("%1: %2 matched, %3 expected").arg(what).arg(skipping.matched).arg(expected.size())));
                QCOMPARE(skipping.matched, qint64(expected.size()));
                matchedInAll += skipping.matched;
            }
        }
        QVERIFY(matchedInAll > 1000);
    }

    void sortingByTimeOrdersTheRowsLoaded()
    {
        connectors::deadletters::DeadLetterService service(environment());
        models::DeadLetterTableModel model(&service);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy opened(&model, &models::DeadLetterTableModel::opened);
        model.open(QStringLiteral("spring"));
        QVERIFY(opened.wait(20000));
        const int all = model.rowCount();
        QCOMPARE(all, int(m_n));
        // Two pages read: the top and one in the middle.
        for (int row : {0, all / 2}) {
            model.data(model.index(row, 0));
            QTRY_VERIFY_WITH_TIMEOUT(model.rowAt(row).has_value(), 20000);
        }
        QSet<models::DeadLetterRef> loaded;
        for (int row = 0; row < all; ++row) {
            if (const auto r = model.rowAt(row))
                loaded.insert(r->ref);
        }
        QCOMPARE(loaded.size(), 2 * models::DeadLetterTableModel::PageSize);
        for (const Qt::SortOrder order : {Qt::DescendingOrder, Qt::AscendingOrder}) {
            model.sortByTime(order);
            QVERIFY(model.showsLoadedOnly());
            QCOMPARE(model.timeOrder(), std::optional<Qt::SortOrder>(order));
            QCOMPARE(model.rowCount(), int(loaded.size()));
            QCOMPARE(model.pagesInFlight(), 0); // shown from what was read, not read again
            QSet<models::DeadLetterRef> shown;
            for (int row = 0; row < model.rowCount(); ++row) {
                const auto r = model.rowAt(row);
                QVERIFY(r.has_value());
                shown.insert(r->ref);
                if (row > 0) {
                    const qint64 previous = model.rowAt(row - 1)->timestampMs;
                    QVERIFY2(order == Qt::DescendingOrder ? previous >= r->timestampMs : previous <= r->timestampMs,
                             qPrintable(QStringLiteral("row %1 out of order").arg(row)));
                }
            }
            QCOMPARE(shown, loaded);
        }
        model.showAll();
        QCOMPARE(model.rowCount(), all);
        QVERIFY(!model.timeOrder());
        QVERIFY(!model.showsLoadedOnly());
    }

    void cancelledFilterSaysWhatItDidNotRead()
    {
        auto reader = connectors::deadletters::DeadLetterReader::forFlow(environment(), QStringLiteral("connect"));
        QVERIFY2(reader.ok(), qPrintable(reader.error()));
        (*reader)->setProgressEvery(600); // cancelled early in the run, not at its end
        std::atomic_bool cancel = false;
        const connectors::PollControl control{QDeadlineTimer(QDeadlineTimer::Forever), &cancel};
        const models::DeadLetterScan scan = (*reader)->scan({}, control, [&](qint64, qint64, qint64) { cancel = true; });
        QVERIFY(scan.cancelled);
        QVERIFY(!scan.complete());
        QVERIFY(scan.read > 0);
        QVERIFY(scan.read < m_n);
        qint64 readInRanges = 0;
        for (const auto &r : scan.ranges) {
            readInRanges += r.readTo - r.readFrom;
            if (r.readTo < r.to)
                QCOMPARE(r.notRead, QStringLiteral("cancelled"));
        }
        QCOMPARE(readInRanges, scan.read);
        QVERIFY2(scan.summary().contains(QLatin1String("not read from offset")), qPrintable(scan.summary()));
        QVERIFY2(scan.summary().contains(QStringLiteral(": cancelled")), qPrintable(scan.summary()));
    }

    void alreadyProcessedComesFromTheStore()
    {
        connectors::deadletters::DeadLetterService service(environment());
        models::DeadLetterTableModel model(&service);
        QSignalSpy opened(&model, &models::DeadLetterTableModel::opened);
        model.open(QStringLiteral("idem"));
        QVERIFY(opened.wait(20000));
        QSignalSpy processed(&model, &models::DeadLetterTableModel::processedLoaded);
        model.data(model.index(0, models::DeadLetterTableModel::Processed));
        QTRY_VERIFY_WITH_TIMEOUT(!processed.isEmpty(), 20000);
        int checked = 0;
        for (int r = 0; r < models::DeadLetterTableModel::PageSize; ++r) {
            const auto row = model.rowAt(r);
            QVERIFY(row);
            const QString shown = model.data(model.index(r, models::DeadLetterTableModel::Processed)).toString();
            if (row->eventId.isEmpty()) {
                QCOMPARE(shown, QStringLiteral("unknown: no event_id"));
                continue;
            }
            const int i = row->eventId.section(QLatin1Char('-'), 2).toInt();
            const QString expected = i % 3 == 0 ? QStringLiteral("processed by billing")
                : i % 3 == 1                    ? QStringLiteral("not processed (billing: parked)")
                                                : QStringLiteral("not processed");
            QCOMPARE(shown, expected);
            ++checked;
        }
        QVERIFY(checked > 90);
    }

    void storeDownMarksUnknownAndRowsStillLoad()
    {
        connectors::deadletters::DeadLetterService service(environment(true));
        models::DeadLetterTableModel model(&service);
        QSignalSpy opened(&model, &models::DeadLetterTableModel::opened);
        model.open(QStringLiteral("idem"));
        QVERIFY(opened.wait(20000));
        QSignalSpy processed(&model, &models::DeadLetterTableModel::processedLoaded);
        model.data(model.index(0, models::DeadLetterTableModel::Processed));
        QTRY_VERIFY_WITH_TIMEOUT(model.rowAt(0).has_value(), 20000);
        QCOMPARE(model.rowAt(0)->eventId.isEmpty(), false);
        QTRY_VERIFY_WITH_TIMEOUT(!processed.isEmpty(), 20000);
        QCOMPARE(model.data(model.index(0, models::DeadLetterTableModel::Processed)).toString(),
                 QStringLiteral("unknown: store billing-store down"));
    }

    void storeLookupIsOneQueryOfBoundIds()
    {
        // Ids that would break a hand-built statement are bound as they are.
        connectors::deadletters::ProcessedLookup lookup(environment(), QStringLiteral("idem"));
        const QHash<QString, QString> events{{QStringLiteral("ev-idem-0"), QStringLiteral("orders")},
                                             {QStringLiteral("x'); DROP TABLE processed_events; --"), QStringLiteral("orders")},
                                             {QStringLiteral("quote\"and\\backslash,{}"), QString()}};
        const auto states = lookup.lookup(events, connectors::PollControl::within(std::chrono::seconds(10)));
        QCOMPARE(states.value(QStringLiteral("ev-idem-0")).kind, models::ProcessedState::Kind::Processed);
        QCOMPARE(states.value(QStringLiteral("x'); DROP TABLE processed_events; --")).kind,
                 models::ProcessedState::Kind::NotProcessed);
        QCOMPARE(states.value(QStringLiteral("quote\"and\\backslash,{}")).kind, models::ProcessedState::Kind::NotProcessed);
        QCOMPARE(lookup.storesFor(QStringLiteral("payments")).size(), 0);
    }

    void pageOpensARecordAndHandsOverTheSelection()
    {
        connectors::deadletters::DeadLetterService service(environment());
        ui::DeadLettersPage page;
        page.resize(1400, 900);
        page.setSource(&service);
        page.show();
        QSignalSpy scanned(&page, &ui::DeadLettersPage::scanFinished);
        page.showFlow(QStringLiteral("spring"));
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), m_n, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(page.model()->rowAt(0).has_value(), 20000);
        // Select three rows, as for a replay request.
        auto *selection = page.view()->selectionModel();
        for (int r : {0, 1, 5})
            selection->select(page.model()->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        const QList<models::DeadLetterRef> selected = page.selectedDeadLetters();
        QCOMPARE(selected, (QList<models::DeadLetterRef>{page.model()->refAt(0), page.model()->refAt(1), page.model()->refAt(5)}));
        // "Request replay…" shows only where replays can be requested, and hands over the selection.
        auto *replay = page.findChild<QPushButton *>(QStringLiteral("deadLetterRequestReplay"));
        QVERIFY(replay);
        QVERIFY(replay->isHidden());
        page.setReplayAvailable(true);
        QVERIFY(replay->isVisible());
        QVERIFY(replay->isEnabled());
        QCOMPARE(replay->text(), QStringLiteral("Request replay of 3 selected…"));
        QSignalSpy requested(&page, &ui::DeadLettersPage::replayRequested);
        replay->click();
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested[0][0].toString(), QStringLiteral("spring"));
        QCOMPARE(requested[0][1].value<QList<models::DeadLetterRef>>(), selected);
        // Open the first: the record arrives, with Spring's binary headers decoded.
        QSignalSpy shown(&page, &ui::DeadLettersPage::recordShown);
        page.view()->setCurrentIndex(page.model()->index(0, 0));
        QTest::keyClick(page.view(), Qt::Key_Return);
        QVERIFY(shown.wait(20000));
        const QString text = page.recordText();
        QVERIFY2(text.contains(page.model()->rowAt(0)->eventId), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("kafka_dlt-original-offset")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("(big-endian integer %1)").arg(5000 + page.model()->rowAt(0)->ref.offset * kPartitions)),
                 qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("\"event_id\": ")), qPrintable(text)); // JSON pretty-printed
        // Its trace is one click away.
        QSignalSpy traced(&page, &ui::DeadLettersPage::traceRequested);
        auto *trace = page.findChild<QPushButton *>(QStringLiteral("deadLetterTrace"));
        QVERIFY(trace && trace->isEnabled());
        trace->click();
        QCOMPARE(traced.size(), 1);
        QCOMPARE(traced[0][0].toString(), page.model()->rowAt(0)->eventId);
        // The failure groups of the whole topic come from the scan it started.
        QVERIFY(scanned.wait(60000) || !scanned.isEmpty());
        QVERIFY2(page.scanSummary().contains(QLatin1String("every retained dead letter read")), qPrintable(page.scanSummary()));
        auto *failures = page.findChild<QTableView *>(QStringLiteral("deadLetterFailuresView"));
        QVERIFY(failures);
        QCOMPARE(failures->model()->rowCount(), 1);
        failures->selectionModel()->select(failures->model()->index(0, 0),
                                           QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(!page.selectedFailureGroup().isEmpty());
        // Clicking "Dead-lettered at" sorts the rows loaded by time, says so, and Show all undoes it.
        auto *order = page.findChild<QLabel *>(QStringLiteral("deadLetterOrder"));
        QVERIFY(order && order->isHidden());
        emit page.view()->horizontalHeader()->sectionClicked(models::DeadLetterTableModel::DeadLetteredAt);
        QVERIFY(page.model()->showsLoadedOnly());
        QVERIFY(order->isVisible());
        QVERIFY2(order->text().startsWith(QLatin1String("Sorted by dead-lettered time, newest first: the ")), qPrintable(order->text()));
        QCOMPARE(page.view()->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
        emit page.view()->horizontalHeader()->sectionClicked(models::DeadLetterTableModel::DeadLetteredAt);
        QVERIFY2(order->text().contains(QLatin1String("oldest first")), qPrintable(order->text()));
        page.findChild<QPushButton *>(QStringLiteral("deadLetterShowAll"))->click();
        QCOMPARE(page.model()->rowCount(), m_n);
        QVERIFY(order->isHidden());
        QVERIFY(!page.view()->horizontalHeader()->isSortIndicatorShown());
    }

    void idemctlListsAndShowsTheSameRows()
    {
        QTemporaryDir dir;
        models::Config config;
        config.environments = {environment()};
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QVERIFY(connectors::saveConfig(config, path).ok());
        auto run = [&](const QStringList &args) {
            QProcess p;
            p.start(QStringLiteral(IDEMCTL), QStringList{QStringLiteral("--config"), path} + args);
            p.waitForFinished(120000);
            return std::make_tuple(p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError());
        };
        // Newest first, every column, already processed from the store.
        auto [code, out, err] = run({QStringLiteral("dlq"), QStringLiteral("list"), QStringLiteral("--flow"),
                                     QStringLiteral("idem"), QStringLiteral("--limit"), QStringLiteral("30"),
                                     QStringLiteral("--json")});
        QVERIFY2(code == 0, err.constData());
        const QJsonObject flow = QJsonDocument::fromJson(out).object().value(QStringLiteral("flows")).toArray().first().toObject();
        QCOMPARE(flow.value(QStringLiteral("retained")).toInteger(), m_n);
        const QJsonArray rows = flow.value(QStringLiteral("rows")).toArray();
        QCOMPARE(rows.size(), 30);
        QList<models::PartitionSpan> spans;
        for (int p = 0; p < kPartitions; ++p)
            spans.append({p, 0, (m_n - p + kPartitions - 1) / kPartitions});
        const models::DeadLetterOrder order(QStringLiteral("idem.dlq"), spans);
        for (int r = 0; r < rows.size(); ++r) {
            const QJsonObject row = rows[r].toObject();
            const models::DeadLetterRef ref{QStringLiteral("idem.dlq"), int(row.value(QStringLiteral("partition")).toInteger()),
                                            row.value(QStringLiteral("offset")).toInteger()};
            const testsupport::Record &record = recordAt(QStringLiteral("idem"), ref);
            const int i = indexOf(record);
            QCOMPARE(ref, order.at(r));
            QCOMPARE(row.value(QStringLiteral("dead_lettered_at")).toString(),
                     QDateTime::fromMSecsSinceEpoch(record.timestampMs, Qt::UTC).toString(Qt::ISODateWithMs));
            QCOMPARE(row.value(QStringLiteral("event_id")).toString(), undecodable(QStringLiteral("idem"), i) ? QString() : eventId(QStringLiteral("idem"), i));
            if (!undecodable(QStringLiteral("idem"), i))
                QCOMPARE(row.value(QStringLiteral("processed")).toString(),
                         QString::fromLatin1(i % 3 == 0 ? "processed" : "not_processed"));
        }
        // A filter reads the whole topic and says so.
        std::tie(code, out, err) = run({QStringLiteral("dlq"), QStringLiteral("list"), QStringLiteral("--flow"),
                                        QStringLiteral("idem"), QStringLiteral("--failure"), QStringLiteral("timeout"),
                                        QStringLiteral("--offset-from"), QStringLiteral("0:100"), QStringLiteral("--json")});
        QVERIFY2(code == 0, err.constData());
        const QJsonObject filtered = QJsonDocument::fromJson(out).object().value(QStringLiteral("flows")).toArray().first().toObject();
        // Partition 0 holds i = 0, 12, 24, … at offsets 0, 1, 2, …; i % 5 == 0 there: every fifth offset.
        QCOMPARE(filtered.value(QStringLiteral("matched")).toInteger(), 21);
        QVERIFY(filtered.value(QStringLiteral("summary")).toString().contains(QLatin1String("every retained dead letter read")));
        QCOMPARE(filtered.value(QStringLiteral("rows")).toArray().first().toObject().value(QStringLiteral("offset")).toInteger(), 100);
        // One record in full, Spring's binary headers decoded.
        std::tie(code, out, err) = run({QStringLiteral("dlq"), QStringLiteral("show"), QStringLiteral("spring.dlq:1:0"),
                                        QStringLiteral("--json")});
        QVERIFY2(code == 0, err.constData());
        const QJsonObject shown = QJsonDocument::fromJson(out).object();
        QCOMPARE(shown.value(QStringLiteral("event_id")).toString(), eventId(QStringLiteral("spring"), 1));
        bool decoded = false;
        for (const auto &h : shown.value(QStringLiteral("headers")).toArray()) {
            if (h.toObject().value(QStringLiteral("name")).toString() == QLatin1String("kafka_dlt-original-offset"))
                decoded = h.toObject().value(QStringLiteral("big_endian")).toInteger() == 5001;
        }
        QVERIFY(decoded);
        QCOMPARE(shown.value(QStringLiteral("payload")).toObject().value(QStringLiteral("form")).toString(), QStringLiteral("json"));
        // Not retained: 3; malformed: 2.
        std::tie(code, out, err) = run({QStringLiteral("dlq"), QStringLiteral("show"), QStringLiteral("spring.dlq:1:99999999")});
        QCOMPARE(code, 3);
        std::tie(code, out, err) = run({QStringLiteral("dlq"), QStringLiteral("show"), QStringLiteral("spring.dlq:1")});
        QCOMPARE(code, 2);
        QVERIFY(err.contains("TOPIC:PARTITION:OFFSET"));
    }

    void undecodableRecordOpensAsHex()
    {
        connectors::deadletters::DeadLetterService service(environment());
        QSignalSpy ready(&service, &models::DeadLetterSource::recordReady);
        // Index 999 is undecodable: partition 999 % 12, offset 999 / 12.
        service.requestRecord(QStringLiteral("idem"), {QStringLiteral("idem.dlq"), 999 % kPartitions, 999 / kPartitions});
        QVERIFY(ready.wait(20000));
        const auto record = ready.first().at(1).value<models::DeadLetterRecord>();
        QVERIFY(record.message);
        QCOMPARE(record.view.payload.form, models::RecordBytesView::Form::Hex);
        QVERIFY(record.view.text().contains(QLatin1String("fffe0001")) || record.view.text().contains(QLatin1String("ff fe 00 01")));
        QVERIFY(!record.row.problems.isEmpty());
    }
};

QTEST_MAIN(TestDeadLetters)
#include "tst_deadletters.moc"
