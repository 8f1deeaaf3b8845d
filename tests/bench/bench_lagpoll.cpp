// Benchmark: one lag poll of 50 consumer groups over 3 topics of 32
// partitions (4 800 group partitions) on the mock cluster, over TCP as in
// production; and, for comparison, kcat reading the same watermarks.
// Prints figures; budget: a poll cycle under 1 s.

#include "connectors/kafka/lagpoller.h"
#include "connectors/kafka/mockkafka.h"
#include "tests/bench/benchsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>

#include <algorithm>
#include <cstdio>

using namespace idem;
using namespace idem::connectors::kafka;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    constexpr int groups = 50, topics = 3, partitions = 32, perPartition = 20;
    auto kafka = MockKafka::start(3);
    if (!kafka) {
        std::fprintf(stderr, "%s\n", qPrintable(kafka.error()));
        return 1;
    }
    const QString bootstrap = (*kafka)->bootstrapServers();
    models::FlowConfig flow;
    flow.name = QStringLiteral("bench");
    flow.cluster = QStringLiteral("main");
    for (int t = 0; t < topics; ++t) {
        flow.topics << QStringLiteral("bench.t%1").arg(t);
        (void)(*kafka)->createTopic(flow.topics.back(), partitions);
    }
    auto producer = createClient(RD_KAFKA_PRODUCER, {{QStringLiteral("bootstrap.servers"), bootstrap}});
    for (const QString &topic : flow.topics) {
        const QByteArray name = topic.toUtf8();
        for (int p = 0; p < partitions; ++p) {
            for (int i = 0; i < perPartition; ++i)
                rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC(name.constData()), RD_KAFKA_V_PARTITION(p),
                                  RD_KAFKA_V_VALUE(const_cast<char *>("x"), size_t(1)), RD_KAFKA_V_END);
        }
    }
    rd_kafka_flush(producer->get(), 30000);
    // Every group has committed 5 messages short of the end of every partition.
    for (int g = 0; g < groups; ++g) {
        const QString id = QStringLiteral("group-%1").arg(g);
        flow.groups.append({id, {}});
        auto consumer = createClient(RD_KAFKA_CONSUMER, {{QStringLiteral("bootstrap.servers"), bootstrap},
                                                         {QStringLiteral("group.id"), id}});
        PartitionList list(rd_kafka_topic_partition_list_new(topics * partitions));
        for (const QString &topic : flow.topics)
            for (int p = 0; p < partitions; ++p)
                rd_kafka_topic_partition_list_add(list.get(), topic.toUtf8().constData(), p)->offset = perPartition - 5;
        rd_kafka_commit(consumer->get(), list.get(), 0);
        rd_kafka_consumer_close(consumer->get());
    }

    LagReader reader({QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), bootstrap}}}, {flow});
    const bench::LagPollTimes polled = bench::timeLagPolls(reader, 6);
    QList<qint64> times = polled.ms;
    const qint64 rows = polled.rows, lag = polled.lag;
    std::printf("lag poll, %d groups x %d topics x %d partitions (%lld rows, total lag %lld):\n", groups, topics,
                partitions, rows, lag);
    std::printf("  first poll (reads lag times): %lld ms\n", times.first());
    times.removeFirst();
    std::sort(times.begin(), times.end());
    std::printf("  later polls: median %lld ms, max %lld ms (budget 1000 ms)\n", times[times.size() / 2], times.last());

    const QString kcat = QStandardPaths::findExecutable(QStringLiteral("kcat"));
    if (kcat.isEmpty()) {
        std::printf("kcat: not installed\n");
        return 0;
    }
    // kcat -Q with timestamp -1 asks each partition's end offset, as a
    // watermark query does; one process for all 96 partitions.
    QStringList args{QStringLiteral("-b"), bootstrap, QStringLiteral("-Q")};
    for (const QString &topic : flow.topics)
        for (int p = 0; p < partitions; ++p)
            args << QStringLiteral("-t") << QStringLiteral("%1:%2:-1").arg(topic).arg(p);
    QElapsedTimer timer;
    timer.start();
    QProcess proc;
    proc.start(kcat, args);
    proc.waitForFinished(60000);
    const qint64 kcatMs = timer.elapsed();
    const int answered = int(proc.readAllStandardOutput().count('\n'));
    std::printf("kcat -Q end offsets of the same %d partitions: %lld ms (%d lines, exit %d)\n", topics * partitions, kcatMs,
                answered, proc.exitCode());
    return 0;
}
