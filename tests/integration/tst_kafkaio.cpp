// Proves the one Kafka reader and the one producer against librdkafka's mock
// cluster over TCP: records written with every header shape (null value,
// empty value, repeated names), binary and null keys, tombstones, explicit
// partitions and timestamps come back byte for byte through the reader and
// through the separate test reader; exact [from, to) ranges read across
// partitions, with every range's fate stated (budget, beyond the end, past
// retention); the time lookup finds the first record at or after a time by
// searching record timestamps where the mock answers -1; a cancel from
// another thread stops a read at once; and a deadline holds against brokers
// 20 s away, for the reader, the lag poll and the dead-letter tail.

#include "connectors/kafka/deadlettertail.h"
#include "connectors/kafka/kafkaproducer.h"
#include "connectors/kafka/kafkareader.h"
#include "connectors/kafka/lagpoller.h"
#include "connectors/kafka/mockkafka.h"
#include "connectors/kafka/topicsampler.h"
#include "tests/support/topicreader.h"

#include <QElapsedTimer>
#include <QtTest>

#include <thread>

using namespace idem;
using namespace idem::connectors;
using namespace idem::connectors::kafka;
using namespace std::chrono_literals;

namespace {

models::RawMessage record(const QString &topic, int partition, const QByteArray &value)
{
    models::RawMessage m;
    m.topic = topic;
    m.partition = partition;
    m.value = value;
    return m;
}

QString rangeText(const RangeOutcome &r)
{
    return QStringLiteral("%1[%2] [%3,%4) from %5 to %6 stop %7 %8")
        .arg(r.range.topic)
        .arg(r.range.partition)
        .arg(r.range.from)
        .arg(r.range.to)
        .arg(r.readFrom)
        .arg(r.readTo)
        .arg(describe(r.stop), r.error);
}

} // namespace

class TestKafkaIo : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<MockKafka> m_kafka;
    std::unique_ptr<KafkaProducer> m_producer;

    KafkaProperties properties() const { return {{QStringLiteral("bootstrap.servers"), m_kafka->bootstrapServers()}}; }

    // Writes `count` records to each partition of `topic`, values "p<partition>-<i>".
    void fill(const QString &topic, int partitions, int count)
    {
        for (int p = 0; p < partitions; ++p) {
            for (int i = 0; i < count; ++i) {
                auto t = m_producer->produce(record(topic, p, QStringLiteral("p%1-%2").arg(p).arg(i).toUtf8()),
                                             PollControl::within(10s));
                QVERIFY2(t.ok(), qPrintable(t.error()));
            }
        }
        QVERIFY(m_producer->flush(PollControl::within(20s)).ok());
        for (const Delivery &d : m_producer->takeDeliveries())
            QVERIFY2(d.ok(), qPrintable(d.error));
    }

private slots:
    void initTestCase()
    {
        auto started = MockKafka::start(2);
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_kafka = std::move(started.value());
        auto producer = KafkaProducer::create(properties(), {{QStringLiteral("linger.ms"), QStringLiteral("2")}});
        QVERIFY2(producer.ok(), qPrintable(producer.error()));
        m_producer = std::move(producer.value());
    }

    void producerRoundTripsEveryHeaderShape()
    {
        QVERIFY(m_kafka->createTopic(QStringLiteral("shapes"), 3).ok());
        const qint64 stamp = QDateTime::currentMSecsSinceEpoch() - 3600000;
        models::RawMessage a = record(QStringLiteral("shapes"), 2, QByteArray("{\"event_id\":\"e-1\"}"));
        a.key = QByteArray("\x00\xff\x01key\x00", 7);
        a.timestampMs = stamp;
        a.headers = {{"event_id", QByteArray("e-1")},
                     {"null", std::nullopt},
                     {"empty", QByteArray("")},
                     {"attempt", QByteArray("1")},
                     {"attempt", QByteArray("2")},
                     {"binary", QByteArray("\x00\x01\x02\xff", 4)}};
        models::RawMessage b = record(QStringLiteral("shapes"), 2, QByteArray());
        b.value = std::nullopt; // a tombstone
        b.key = QByteArray(""); // empty, not null
        b.timestampMs = stamp + 1;
        models::RawMessage c = record(QStringLiteral("shapes"), -1, QByteArray("by key"));
        c.key = QByteArray("k");
        c.timestampMs = stamp + 2;

        QList<Delivery> deliveries;
        for (const auto &m : {a, b, c}) {
            auto d = m_producer->produceAndWait(m, PollControl::within(10s));
            QVERIFY2(d.ok(), qPrintable(d.error()));
            QVERIFY2(d->ok(), qPrintable(d->error));
            deliveries << d.value();
        }
        QCOMPARE(deliveries[0].partition, 2);
        QCOMPARE(deliveries[0].offset, 0);
        QCOMPARE(deliveries[1].partition, 2);
        QCOMPARE(deliveries[1].offset, 1);
        QVERIFY(deliveries[2].partition >= 0 && deliveries[2].offset >= 0);

        KafkaReader reader(properties());
        const ReadResult read = reader.read({{QStringLiteral("shapes"), 2, 0, 2},
                                             {QStringLiteral("shapes"), deliveries[2].partition, deliveries[2].offset,
                                              deliveries[2].offset + 1}},
                                            0, PollControl::within(10s));
        QVERIFY2(read.complete(), qPrintable(read.describeGaps()));
        QCOMPARE(read.messages.size(), 3);
        QList<models::RawMessage> got = read.messages;
        std::sort(got.begin(), got.end(), [](const auto &x, const auto &y) {
            return std::pair(x.partition, x.offset) < std::pair(y.partition, y.offset);
        });
        const models::RawMessage &ra = got[deliveries[2].partition == 2 ? 0 : 1];
        const models::RawMessage &rb = got[deliveries[2].partition == 2 ? 1 : 2];
        QCOMPARE(ra.key, a.key);
        QCOMPARE(ra.value, a.value);
        QCOMPARE(ra.headers, a.headers);
        QCOMPARE(ra.headerCount("attempt"), 2);
        QCOMPARE(ra.timestampMs, stamp);
        QCOMPARE(ra.timestampType, models::TimestampType::CreateTime);
        QCOMPARE(rb.value, std::optional<QByteArray>());
        QCOMPARE(rb.key, std::optional<QByteArray>(QByteArray("")));
        QVERIFY(rb.headers.isEmpty());

        // The independent test reader sees the same bytes.
        const QList<testsupport::Record> records = testsupport::readTopic(m_kafka->bootstrapServers(), QStringLiteral("shapes"));
        QCOMPARE(records.size(), 3);
        const testsupport::Record *first = nullptr;
        for (const auto &r : records) {
            if (r.partition == 2 && r.offset == 0)
                first = &r;
        }
        QVERIFY(first);
        QCOMPARE(first->key, *a.key);
        QCOMPARE(first->payload, *a.value);
        QCOMPARE(first->headers.size(), 6);
        QVERIFY(first->headers[1].second.isNull()); // null value
        QVERIFY(!first->headers[2].second.isNull()); // empty, not null
        QVERIFY(first->headers[2].second.isEmpty());
        QCOMPARE(first->headers[4], qMakePair(QByteArray("attempt"), QByteArray("2")));
        QCOMPARE(first->headers[5].second, QByteArray("\x00\x01\x02\xff", 4));
    }

    void readsExactRangesAcrossPartitions()
    {
        QVERIFY(m_kafka->createTopic(QStringLiteral("ranges"), 4).ok());
        fill(QStringLiteral("ranges"), 4, 50);
        KafkaReader reader(properties());
        const QString t = QStringLiteral("ranges");
        const ReadResult r = reader.read({{t, 0, 10, 20}, {t, 1, 0, 50}, {t, 2, 45, 60}, {t, 3, 5, 5}, {t, 0, 30, 32}},
                                         0, PollControl::within(10s));
        QVERIFY(r.error.isEmpty());
        QCOMPARE(r.ranges.size(), 5);
        QMap<int, QList<qint64>> offsets;
        for (const auto &m : r.messages) {
            QCOMPARE(m.topic, t);
            QCOMPARE(*m.value, QStringLiteral("p%1-%2").arg(m.partition).arg(m.offset).toUtf8());
            offsets[m.partition] << m.offset;
        }
        QList<qint64> p0;
        for (qint64 o = 10; o < 20; ++o)
            p0 << o;
        p0 << 30 << 31;
        std::sort(offsets[0].begin(), offsets[0].end());
        QCOMPARE(offsets[0], p0);
        QCOMPARE(offsets[1].size(), 50);
        QCOMPARE(offsets[2], (QList<qint64>{45, 46, 47, 48, 49}));
        QVERIFY(!offsets.contains(3));
        QVERIFY2(r.ranges[0].complete() && r.ranges[0].stop == ReadStop::None, qPrintable(rangeText(r.ranges[0])));
        QVERIFY(r.ranges[1].complete());
        // Offsets 50..59 do not exist yet: said so, and not waited for.
        QCOMPARE(r.ranges[2].readTo, 50);
        QCOMPARE(r.ranges[2].stop, ReadStop::BeyondEnd);
        QVERIFY(!r.ranges[2].complete());
        QVERIFY(r.ranges[3].complete());
        QVERIFY(r.ranges[4].complete());

        // Streamed: the same records handed over one by one, none kept, the
        // same outcomes, progress every 7 records.
        QMap<int, QList<qint64>> streamed;
        QList<qint64> progress;
        const ReadResult s = reader.stream(
            {{t, 0, 10, 20}, {t, 1, 0, 50}, {t, 2, 45, 60}, {t, 3, 5, 5}},
            [&](const rd_kafka_message_t *record, const QString &topic) {
                const models::RawMessage m = toRawMessage(record);
                QCOMPARE(topic, t);
                QCOMPARE(*m.value, QStringLiteral("p%1-%2").arg(m.partition).arg(m.offset).toUtf8());
                streamed[m.partition] << m.offset;
            },
            PollControl::within(10s), {}, [&](qint64 n) { progress << n; }, 7);
        QVERIFY(s.messages.isEmpty());
        std::sort(streamed[0].begin(), streamed[0].end());
        QCOMPARE(streamed[0], p0.mid(0, 10));
        QCOMPARE(streamed[1].size(), 50);
        QCOMPARE(streamed[2], (QList<qint64>{45, 46, 47, 48, 49}));
        QVERIFY(!streamed.contains(3));
        QCOMPARE(progress, (QList<qint64>{7, 14, 21, 28, 35, 42, 49, 56, 63}));
        QCOMPARE(s.ranges[2].readTo, 50);
        QCOMPARE(s.ranges[2].stop, ReadStop::BeyondEnd);
        QVERIFY(s.ranges[0].complete() && s.ranges[1].complete() && s.ranges[3].complete());

        // A budget: exactly that many, each range read from its start without gaps.
        const ReadResult b = reader.read({{t, 0, 0, 50}, {t, 1, 0, 50}, {t, 2, 0, 50}, {t, 3, 0, 50}}, 30,
                                         PollControl::within(10s));
        QCOMPARE(b.messages.size(), 30);
        qint64 stated = 0;
        int budgetStops = 0;
        for (const auto &o : b.ranges) {
            QCOMPARE(o.readFrom, 0);
            stated += o.readTo - o.readFrom;
            budgetStops += o.stop == ReadStop::Budget ? 1 : 0;
            qint64 seen = 0;
            for (const auto &m : b.messages)
                seen += m.partition == o.range.partition && m.offset >= o.readFrom && m.offset < o.readTo ? 1 : 0;
            QCOMPARE(seen, o.readTo - o.readFrom);
        }
        QCOMPARE(stated, 30);
        QVERIFY(budgetStops >= 1);
        QVERIFY(!b.complete());
        QVERIFY(b.describeGaps().contains(QStringLiteral("message budget used up")));

        // Single records, several at once.
        auto one = reader.readOne(t, 3, 17, PollControl::within(10s));
        QVERIFY2(one.ok(), qPrintable(one.error()));
        QVERIFY(one->has_value());
        QCOMPARE((*one)->offset, 17);
        QCOMPARE(*(*one)->value, QByteArray("p3-17"));
        auto none = reader.readOne(t, 3, 50, PollControl::within(10s));
        QVERIFY(none.ok());
        QVERIFY(!none->has_value());
        const auto each = reader.readEach({{t, 1, 3, 0}, {t, 1, 40, 0}, {t, 2, 0, 0}}, PollControl::within(10s));
        QCOMPARE(each.size(), 3);
        QCOMPARE(*each.value({t, 1, 40}).value, QByteArray("p1-40"));
        QCOMPARE(*each.value({t, 1, 3}).value, QByteArray("p1-3"));

        auto marks = reader.watermarks({{t, 0}, {t, 3}, {t, 0}}, PollControl::within(10s));
        QVERIFY2(marks.ok(), qPrintable(marks.error()));
        QCOMPARE(marks->at(0).low, 0);
        QCOMPARE(marks->at(0).high, 50);
        QCOMPARE(marks->at(2).high, 50);
    }

    // Thousands of partitions at once: each answered, the ones asked twice
    // too, across the chunks the watermarks are asked in.
    void watermarksOfThousandsOfPartitions()
    {
        QList<QPair<QString, int>> topics;
        for (int t = 0; t < 12; ++t)
            topics.append({QStringLiteral("many.%1").arg(t), 100});
        QVERIFY(m_kafka->createTopics(topics).ok());
        // Partition p of topic t holds (t + p) % 3 records.
        for (int t = 0; t < 12; ++t) {
            for (int p = 0; p < 100; ++p) {
                for (int i = 0; i < (t + p) % 3; ++i)
                    QVERIFY(m_producer->produce(record(topics[t].first, p, "x"), PollControl::within(10s)).ok());
            }
        }
        QVERIFY(m_producer->flush(PollControl::within(30s)).ok());
        QList<TopicPartition> wanted;
        for (int t = 0; t < 12; ++t)
            for (int p = 0; p < 100; ++p)
                wanted.append({topics[t].first, p});
        wanted.append({topics[7].first, 42}); // asked twice
        KafkaReader reader(properties());
        auto marks = reader.watermarks(wanted, PollControl::within(30s));
        QVERIFY2(marks.ok(), qPrintable(marks.error()));
        QCOMPARE(marks->size(), wanted.size());
        for (qsizetype i = 0; i < wanted.size(); ++i) {
            const int t = topics.indexOf({wanted[i].topic, 100});
            QCOMPARE(marks->at(i).partition, wanted[i]);
            QVERIFY2(marks->at(i).error.isEmpty(), qPrintable(marks->at(i).error));
            QCOMPARE(marks->at(i).low, 0);
            QCOMPARE(marks->at(i).high, (t + wanted[i].partition) % 3);
        }
    }

    void statesWhatRetentionDeleted()
    {
        // The mock keeps at most 5 MiB a partition: 8 MiB moves the low watermark.
        QVERIFY(m_kafka->createTopic(QStringLiteral("retained"), 1).ok());
        const QByteArray big(128 * 1024, 'x');
        for (int i = 0; i < 64; ++i)
            QVERIFY(m_producer->produce(record(QStringLiteral("retained"), 0, big), PollControl::within(10s)).ok());
        QVERIFY(m_producer->flush(PollControl::within(30s)).ok());
        m_producer->takeDeliveries();
        KafkaReader reader(properties());
        auto marks = reader.watermarks({{QStringLiteral("retained"), 0}}, PollControl::within(10s));
        QVERIFY(marks.ok());
        const qint64 low = marks->first().low;
        QCOMPARE(marks->first().high, 64);
        QVERIFY2(low > 0, "the mock kept everything");
        const ReadResult r = reader.read({{QStringLiteral("retained"), 0, 0, 64}}, 0, PollControl::within(20s));
        const RangeOutcome &o = r.ranges.first();
        QVERIFY(o.pastRetention());
        QCOMPARE(o.readFrom, low);
        QCOMPARE(o.readTo, 64);
        QCOMPARE(r.messages.size(), 64 - low);
        QCOMPARE(r.messages.first().offset, low);
        QVERIFY(!r.complete());
        QVERIFY(r.describeGaps().contains(QStringLiteral("past retention")));
    }

    void findsTheOffsetOfATime()
    {
        QVERIFY(m_kafka->createTopic(QStringLiteral("times"), 1).ok());
        const qint64 base = QDateTime::currentMSecsSinceEpoch() - 1000000;
        for (int i = 0; i < 100; ++i) {
            models::RawMessage m = record(QStringLiteral("times"), 0, QByteArray::number(i));
            m.timestampMs = base + i * 1000;
            QVERIFY(m_producer->produce(m, PollControl::within(10s)).ok());
        }
        QVERIFY(m_producer->flush(PollControl::within(20s)).ok());
        m_producer->takeDeliveries();
        KafkaReader reader(properties());
        const QString t = QStringLiteral("times");
        auto at = [&](qint64 ts) {
            auto o = reader.offsetForTime(t, 0, ts, PollControl::within(20s));
            if (!o)
                qWarning("%s", qPrintable(o.error()));
            return o ? o.value() : -2;
        };
        auto r50 = reader.readOne(t, 0, 50, PollControl::within(10s));
        QVERIFY(r50.ok() && r50->has_value() && (*r50)->offset == 50);
        QCOMPARE(at(base + 37000), 37);
        QCOMPARE(at(base + 37000), 37);
        QCOMPARE(at(base + 37001), 38);
        QCOMPARE(at(base + 36999), 37);
        QCOMPARE(at(base - 5), 0);
        QCOMPARE(at(base), 0);
        QCOMPARE(at(base + 99000), 99);
        QCOMPARE(at(base + 99001), 100);
    }

    void cancelFromAnotherThreadStopsARead()
    {
        // A broker 20 s away: the read waits on the cluster until cancelled.
        auto started = MockKafka::start(1);
        QVERIFY(started.ok());
        std::unique_ptr<MockKafka> slow = std::move(started.value());
        QVERIFY(slow->createTopic(QStringLiteral("slow"), 2).ok());
        QVERIFY(slow->setBrokerRtt(1, 20s).ok());
        KafkaReader reader({{QStringLiteral("bootstrap.servers"), slow->bootstrapServers()}});
        std::atomic_bool cancel{false};
        QElapsedTimer sinceCancel;
        ReadResult result;
        std::thread worker([&] {
            result = reader.read({{QStringLiteral("slow"), 0, 0, 10}, {QStringLiteral("slow"), 1, 0, 10}}, 0,
                                 PollControl::within(60s, &cancel));
        });
        // Give the read time to get stuck on the 20 s broker; a cancel that came
        // first would end it just as well, so no result depends on this wait.
        QTest::qWait(500);
        sinceCancel.start();
        cancel = true;
        worker.join();
        const qint64 took = sinceCancel.elapsed();
        QVERIFY2(took < 300, qPrintable(QStringLiteral("stopped %1 ms after the cancel").arg(took)));
        QCOMPARE(result.ranges.size(), 2);
        QCOMPARE(result.ranges[0].stop, ReadStop::Cancelled);
        QVERIFY(result.error.contains(QStringLiteral("cancelled")));

        auto slowRead = [&](std::chrono::milliseconds budget, const std::atomic_bool *c) {
            QElapsedTimer t;
            t.start();
            ReadResult r = reader.read({{QStringLiteral("slow"), 0, 0, 10}}, 0, PollControl::within(budget, c));
            return std::pair(r, t.elapsed());
        };
        // A deadline, alone.
        const auto [deadlined, ms] = slowRead(1500ms, nullptr);
        QVERIFY2(ms < 1500 + 300, qPrintable(QStringLiteral("took %1 ms").arg(ms)));
        QCOMPARE(deadlined.ranges.first().stop, ReadStop::Deadline);
    }

    void pollsKeepTheirDeadlineAgainstASlowCluster()
    {
        auto started = MockKafka::start(3);
        QVERIFY(started.ok());
        std::unique_ptr<MockKafka> slow = std::move(started.value());
        QVERIFY(slow->createTopic(QStringLiteral("orders"), 3).ok());
        QVERIFY(slow->createTopic(QStringLiteral("orders.DLT"), 2).ok());
        for (int b = 1; b <= 3; ++b)
            QVERIFY(slow->setBrokerRtt(b, 20s).ok());
        models::KafkaClusterConfig cluster{QStringLiteral("slow"),
                                           {{QStringLiteral("bootstrap.servers"), slow->bootstrapServers()}}};
        models::FlowConfig flow;
        flow.name = QStringLiteral("orders");
        flow.cluster = cluster.name;
        flow.topics = {QStringLiteral("orders")};
        flow.groups = {{QStringLiteral("billing"), {}}};
        flow.deadLetterTopic = QStringLiteral("orders.DLT");
        flow.deadLetterEnvelope.preset = QStringLiteral("spring");
        QElapsedTimer timer;
        timer.start();
        {
            LagReader reader(cluster, {flow});
            const models::LagSnapshot snapshot = reader.poll(PollControl::within(2s));
            QVERIFY2(timer.elapsed() < 2300, qPrintable(QStringLiteral("the poll took %1 ms").arg(timer.elapsed())));
            QVERIFY(snapshot.health.state != models::HealthState::Ok);
            // A cancel from another thread ends the poll at once.
            std::atomic_bool cancel{false};
            models::LagSnapshot cancelled;
            std::thread worker([&] { cancelled = reader.poll(PollControl::within(60s, &cancel)); });
            QTest::qWait(400); // time to get stuck on the slow cluster; no result depends on it
            QElapsedTimer sinceCancel;
            sinceCancel.start();
            cancel = true;
            worker.join();
            QVERIFY2(sinceCancel.elapsed() < 300, qPrintable(QStringLiteral("stopped %1 ms after the cancel").arg(sinceCancel.elapsed())));
            QCOMPARE(cancelled.health.state, models::HealthState::Down);
            QVERIFY2(cancelled.health.detail.contains(QStringLiteral("cancelled")), qPrintable(cancelled.health.detail));
            // The tail, given a snapshot with marks, also keeps to its deadline.
            models::LagSnapshot marks = snapshot;
            marks.health.state = models::HealthState::Ok;
            marks.topics = {{flow.name, QStringLiteral("orders.DLT"), models::TopicPartitionMarks::Role::DeadLetter, 0, 0, 5}};
            DeadLetterTail tail(cluster, {flow});
            timer.restart();
            const auto digests = tail.poll(marks, PollControl::within(1s));
            QVERIFY2(timer.elapsed() < 1300, qPrintable(QStringLiteral("the tail took %1 ms").arg(timer.elapsed())));
            QCOMPARE(digests.size(), 1);
            QCOMPARE(digests.first().read(), 0);
            timer.restart();
        }
        // Destroying them does not wait for the cluster either.
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QStringLiteral("destroying took %1 ms").arg(timer.elapsed())));

        // The sampler: one deadline for the whole sample (it used to give
        // every partition's watermarks 10 s of their own), and a cancel
        // noticed at once.
        const KafkaProperties props{{QStringLiteral("bootstrap.servers"), slow->bootstrapServers()}};
        timer.restart();
        auto sample = sampleTopic(props, QStringLiteral("orders"), 10, PollControl::within(1500ms));
        QVERIFY2(timer.elapsed() < 1800, qPrintable(QStringLiteral("the sample took %1 ms").arg(timer.elapsed())));
        QVERIFY(!sample.ok());
        std::atomic_bool cancel{false};
        QElapsedTimer sinceCancel;
        std::thread worker([&] { sample = sampleTopic(props, QStringLiteral("orders"), 10, PollControl::within(60s, &cancel)); });
        QTest::qWait(400); // time to get stuck on the slow cluster; no result depends on it
        sinceCancel.start();
        cancel = true;
        worker.join();
        QVERIFY2(sinceCancel.elapsed() < 300, qPrintable(QStringLiteral("stopped %1 ms after the cancel").arg(sinceCancel.elapsed())));
        QVERIFY(!sample.ok());
        QCOMPARE(sample.error(), QStringLiteral("sampling orders was cancelled"));
    }
};

QTEST_GUILESS_MAIN(TestKafkaIo)
#include "tst_kafkaio.moc"
