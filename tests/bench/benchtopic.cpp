#include "tests/bench/benchtopic.h"

#include "connectors/kafka/kafkaproducer.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>

#include <cstdio>

namespace idem::bench {

using namespace idem::connectors;
using namespace idem::connectors::kafka;
using namespace std::chrono_literals;

std::unique_ptr<MockKafka> startBenchTopic(const QString &topic, qint64 messages, int partitions)
{
    auto kafka = MockKafka::start(3);
    if (!kafka) {
        std::fprintf(stderr, "%s\n", qPrintable(kafka.error()));
        return nullptr;
    }
    const QString bootstrap = (*kafka)->bootstrapServers();
    if (auto created = (*kafka)->createTopic(topic, partitions); !created) {
        std::fprintf(stderr, "%s\n", qPrintable(created.error()));
        return nullptr;
    }
    const KafkaProperties properties{{QStringLiteral("bootstrap.servers"), bootstrap}};

    QElapsedTimer timer;
    timer.start();
    {
        auto producer = KafkaProducer::create(properties, {{QStringLiteral("linger.ms"), QStringLiteral("20")},
                                                           {QStringLiteral("batch.num.messages"), QStringLiteral("10000")},
                                                           {QStringLiteral("queue.buffering.max.messages"), QStringLiteral("500000")}});
        if (!producer) {
            std::fprintf(stderr, "%s\n", qPrintable(producer.error()));
            return nullptr;
        }
        const PollControl control = PollControl::within(10min);
        models::RawMessage m;
        m.topic = topic;
        for (qint64 i = 0; i < messages; ++i) {
            const QByteArray id = "ID-" + QByteArray::number(i);
            m.partition = int(i % partitions);
            m.key = QByteArray::number(i);
            m.value = "{\"event_id\":\"" + id + "\",\"n\":" + QByteArray::number(i) + "}";
            m.headers = {{"event_id", id}};
            if (auto sent = (*producer)->produce(m, control); !sent) {
                std::fprintf(stderr, "%s\n", qPrintable(sent.error()));
                return nullptr;
            }
            if (i % 10000 == 0) {
                (*producer)->serve();
                (*producer)->takeDeliveries();
            }
        }
        if (auto flushed = (*producer)->flush(control); !flushed) {
            std::fprintf(stderr, "%s\n", qPrintable(flushed.error()));
            return nullptr;
        }
    }
    std::printf("produced %lld messages over %d partitions in %lld ms\n", messages, partitions, timer.elapsed());
    return std::move(*kafka);
}

qint64 timeKcat(const QString &bootstrap, const QString &topic, const QString &kcatArgs, const QString &filter,
                QByteArray *output)
{
    const QString kcat = QStandardPaths::findExecutable(QStringLiteral("kcat"));
    if (kcat.isEmpty()) {
        std::printf("kcat: not installed, no comparison\n");
        return -1;
    }
    QProcess p;
    QElapsedTimer timer;
    timer.start();
    p.start(QStringLiteral("/bin/sh"),
            {QStringLiteral("-c"), QStringLiteral("'%1' %4 -C -b '%2' -t '%3' -e -o beginning -f '%h %k\\n' -q | %5")
                                       .arg(kcat, bootstrap, topic, kcatArgs, filter)});
    if (!p.waitForFinished(600000)) {
        std::printf("kcat: did not finish within 10 minutes\n");
        return -1;
    }
    const qint64 ms = timer.elapsed();
    if (output)
        *output = p.readAllStandardOutput();
    return ms;
}

} // namespace idem::bench
