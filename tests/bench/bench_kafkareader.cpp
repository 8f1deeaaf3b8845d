// Benchmark: KafkaReader reading a whole topic (default 1 000 000 small JSON
// messages with an event_id header over 24 partitions) from the mock cluster
// over TCP, side by side with kcat reading the same topic
// (kcat -C -e -o beginning -f '%h %k\n' -q | grep -c ID) when kcat is
// installed. Prints figures; no gates.
//
//   bench_kafkareader [--messages N] [--partitions P]
//   BENCH_READER_PROPS=key=value,… adds librdkafka properties to the reader,
//   BENCH_KCAT_ARGS="-X key=value …" gives kcat the same, to compare settings.

#include "connectors/kafka/kafkaproducer.h"
#include "connectors/kafka/kafkareader.h"
#include "connectors/kafka/mockkafka.h"
#include "tests/bench/benchtopic.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>

#include <cstdio>

using namespace idem;
using namespace idem::connectors;
using namespace idem::connectors::kafka;
using namespace std::chrono_literals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("messages"), QStringLiteral("Messages to produce and read."), QStringLiteral("N"),
                      QStringLiteral("1000000")});
    parser.addOption({QStringLiteral("partitions"), QStringLiteral("Partitions of the topic."), QStringLiteral("P"),
                      QStringLiteral("24")});
    parser.process(app);
    const qint64 messages = parser.value(QStringLiteral("messages")).toLongLong();
    const int partitions = parser.value(QStringLiteral("partitions")).toInt();
    if (messages <= 0 || partitions <= 0) {
        std::fprintf(stderr, "--messages and --partitions must be positive numbers\n");
        return 2;
    }

    const QString topic = QStringLiteral("bench.events");
    auto kafka = bench::startBenchTopic(topic, messages, partitions);
    if (!kafka)
        return 1;
    const QString bootstrap = kafka->bootstrapServers();
    const KafkaProperties properties{{QStringLiteral("bootstrap.servers"), bootstrap}};
    QElapsedTimer timer;

    KafkaProperties overrides;
    for (const QString &kv : qEnvironmentVariable("BENCH_READER_PROPS").split(u',', Qt::SkipEmptyParts))
        overrides.append({kv.section(u'=', 0, 0), kv.section(u'=', 1)});
    KafkaReader reader(properties, overrides);
    QList<TopicPartition> all;
    for (int p = 0; p < partitions; ++p)
        all.append({topic, p});
    auto marks = reader.watermarks(all, PollControl::within(30s));
    if (!marks) {
        std::fprintf(stderr, "%s\n", qPrintable(marks.error()));
        return 1;
    }
    QList<OffsetRange> ranges;
    qint64 retained = 0;
    for (const PartitionWatermarks &w : marks.value()) {
        ranges.append({topic, w.partition.partition, w.low, w.high});
        retained += w.high - w.low;
    }
    if (retained != messages)
        std::printf("note: the mock retained %lld of %lld messages\n", retained, messages);

    timer.restart();
    const ReadResult read = reader.read(ranges, 0, PollControl::within(10min));
    const qint64 readerMs = timer.elapsed();
    qint64 withId = 0;
    for (const models::RawMessage &m : read.messages)
        withId += m.hasHeader("event_id") ? 1 : 0;
    std::printf("KafkaReader: %lld messages (%lld with event_id) in %lld ms (%.0f msg/s)%s\n", qint64(read.messages.size()),
                withId, readerMs, read.messages.size() * 1000.0 / std::max<qint64>(1, readerMs),
                read.complete() ? "" : qPrintable(QStringLiteral("; not complete: ") + read.describeGaps()));

    QByteArray counted;
    const qint64 kcatMs = bench::timeKcat(bootstrap, topic, qEnvironmentVariable("BENCH_KCAT_ARGS"), QStringLiteral("grep -c ID"),
                                          &counted);
    if (kcatMs < 0)
        return 0;
    const qint64 kcatCount = QString::fromUtf8(counted).trimmed().toLongLong();
    std::printf("kcat | grep -c ID: %lld messages in %lld ms (%.0f msg/s)\n", kcatCount, kcatMs,
                kcatCount * 1000.0 / std::max<qint64>(1, kcatMs));
    std::printf("ratio KafkaReader/kcat time: %.2f\n", double(readerMs) / double(std::max<qint64>(1, kcatMs)));
    return 0;
}
