// Benchmark: Idem at many flows. Builds a world of FLOWS flows on the mock
// cluster (each a source topic of 12 partitions, a retry topic and a
// dead-letter topic of 3, two consumer groups with a store-less lag of a few
// messages), over TCP as in production, then measures:
//   - one lag poll of every flow of the cluster (the console's poll);
//   - `idemctl lag` over all of them, from the command line;
//   - the console (`idem --config`, offscreen): time until the first figures
//     are on screen, resident memory then and after the idle period, and
//     its CPU while nothing changes (the process, and its UI thread alone).
// The mock cluster lives in this process, so the console's figures are its
// own. Prints figures; gates nothing.
//
//   bench_manyflows [FLOWS (100)] [IDLE_SECONDS (60)] [--keep CONFIG_PATH] [--world-only]
//
// With --keep, the world stays up after the figures, with its configuration
// written to CONFIG_PATH, until the process is stopped (to look at it);
// --world-only skips the console.

#include "connectors/kafka/lagpoller.h"
#include "connectors/kafka/mockkafka.h"
#include "tests/bench/benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

using namespace idem;
using namespace idem::connectors::kafka;

namespace {

constexpr int sourcePartitions = 12, sidePartitions = 3, perPartition = 20, behind = 5;

QString program(const QString &name)
{
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../../app/") + name);
}

// CPU ticks (user + system) of /proc/PID/stat or /proc/PID/task/TID/stat.
qint64 cpuTicks(const QString &statPath)
{
    QFile file(statPath);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 12 ? fields[11].toLongLong() + fields[12].toLongLong() : -1;
}


bool commitAll(const QString &bootstrap, const QList<models::FlowConfig> &flows)
{
    auto admin = createClient(RD_KAFKA_PRODUCER, {{QStringLiteral("bootstrap.servers"), bootstrap}});
    if (!admin)
        return false;
    KafkaQueue queue(rd_kafka_queue_new(admin->get()));
    int sent = 0;
    for (const models::FlowConfig &flow : flows) {
        for (const models::ConsumerGroupConfig &group : flow.groups) {
            PartitionList list(rd_kafka_topic_partition_list_new(sourcePartitions + sidePartitions));
            for (int p = 0; p < sourcePartitions; ++p)
                rd_kafka_topic_partition_list_add(list.get(), flow.topics.first().toUtf8().constData(), p)->offset =
                    perPartition - behind - (p == 0 ? 7 : 0);
            for (int p = 0; p < sidePartitions; ++p)
                rd_kafka_topic_partition_list_add(list.get(), flow.retryTopics.first().toUtf8().constData(), p)->offset =
                    perPartition;
            const QByteArray id = group.name.toUtf8();
            rd_kafka_AlterConsumerGroupOffsets_t *request = rd_kafka_AlterConsumerGroupOffsets_new(id.constData(), list.get());
            rd_kafka_AlterConsumerGroupOffsets(admin->get(), &request, 1, nullptr, queue.get());
            rd_kafka_AlterConsumerGroupOffsets_destroy(request);
            ++sent;
        }
    }
    int failed = 0;
    for (int answered = 0; answered < sent;) {
        KafkaEvent event(rd_kafka_queue_poll(queue.get(), 60000));
        if (!event)
            return false;
        if (rd_kafka_event_type(event.get()) != RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT)
            continue;
        ++answered;
        if (rd_kafka_event_error(event.get()))
            ++failed;
    }
    if (failed > 0)
        std::fprintf(stderr, "%d of %d commits failed\n", failed, sent);
    return failed == 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    QString keep;
    if (const qsizetype at = args.indexOf(QStringLiteral("--keep")); at >= 0 && at + 1 < args.size()) {
        keep = args[at + 1];
        args.remove(at, 2);
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const bool worldOnly = args.removeAll(QStringLiteral("--world-only")) > 0;
    const int flowCount = args.value(0, QStringLiteral("100")).toInt();
    const int idleSeconds = args.value(1, QStringLiteral("60")).toInt();

    QElapsedTimer setup;
    setup.start();
    auto kafka = MockKafka::start(3);
    if (!kafka) {
        std::fprintf(stderr, "%s\n", qPrintable(kafka.error()));
        return 1;
    }
    const QString bootstrap = (*kafka)->bootstrapServers();
    QList<models::FlowConfig> flows;
    QList<QPair<QString, int>> topics;
    for (int i = 0; i < flowCount; ++i) {
        models::FlowConfig flow;
        flow.name = QStringLiteral("f%1").arg(i);
        flow.cluster = QStringLiteral("main");
        flow.topics << flow.name + QStringLiteral(".events");
        flow.retryTopics << flow.name + QStringLiteral(".retry");
        flow.deadLetterTopic = flow.name + QStringLiteral(".dlq");
        flow.groups.append({flow.name + QStringLiteral(".billing"), {}});
        flow.groups.append({flow.name + QStringLiteral(".shipping"), {}});
        topics.append({flow.topics.first(), sourcePartitions});
        topics.append({flow.retryTopics.first(), sidePartitions});
        topics.append({flow.deadLetterTopic, sidePartitions});
        flows << flow;
    }
    if (auto created = (*kafka)->createTopics(topics); !created) {
        std::fprintf(stderr, "%s\n", qPrintable(created.error()));
        return 1;
    }
    {
    std::printf("  topics created after %.1f s\n", setup.elapsed() / 1000.0);
    auto producer = createClient(RD_KAFKA_PRODUCER, {{QStringLiteral("bootstrap.servers"), bootstrap},
                                                     {QStringLiteral("linger.ms"), QStringLiteral("50")}});
    for (const models::FlowConfig &flow : flows) {
        const QList<QPair<QString, int>> topics{{flow.topics.first(), sourcePartitions},
                                                {flow.retryTopics.first(), sidePartitions},
                                                {flow.deadLetterTopic, sidePartitions}};
        for (const auto &[topic, partitions] : topics) {
            const QByteArray name = topic.toUtf8();
            for (int p = 0; p < partitions; ++p) {
                for (int n = 0; n < (topic == flow.deadLetterTopic ? 2 : perPartition); ++n) {
                    while (rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC(name.constData()), RD_KAFKA_V_PARTITION(p),
                                             RD_KAFKA_V_VALUE(const_cast<char *>("{}"), size_t(2)), RD_KAFKA_V_END) ==
                           RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(producer->get(), 10);
                }
            }
        }
    }
    rd_kafka_flush(producer->get(), 120000);
    }
    std::printf("  records written after %.1f s\n", setup.elapsed() / 1000.0);
    std::fflush(stdout);
    if (!commitAll(bootstrap, flows)) {
        std::fprintf(stderr, "could not commit the groups' offsets\n");
        return 1;
    }
    std::printf("world: %d flows, %d partitions, %d groups, set up in %.1f s\n", flowCount,
                flowCount * (sourcePartitions + 2 * sidePartitions), flowCount * 2, setup.elapsed() / 1000.0);

    // The console's poll: one LagReader for every flow of the cluster.
    {
        LagReader reader({QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), bootstrap}}}, flows);
        const bench::LagPollTimes polled = bench::timeLagPolls(reader, 8);
        QList<qint64> times = polled.ms;
        const qint64 rows = polled.rows, lag = polled.lag;
        const qint64 first = times.takeFirst();
        std::sort(times.begin(), times.end());
        std::printf("lag poll of all %d flows (%lld group partitions, total lag %lld): first %lld ms, "
                    "later median %lld ms, max %lld ms (budget 100 ms at 100 flows)\n",
                    flowCount, rows, lag, first, times[times.size() / 2], times.last());
    }

    // The configuration the command line and the console read.
    QTemporaryDir dir;
    const QString configPath = keep.isEmpty() ? dir.filePath(QStringLiteral("idem.yaml")) : keep;
    {
        QFile config(configPath);
        if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(configPath));
            return 1;
        }
        QByteArray yaml = "version: 1\nenvironments:\n  many:\n    kafka:\n      main:\n        bootstrap.servers: " +
                          bootstrap.toUtf8() + "\n    flows:\n";
        for (const models::FlowConfig &flow : flows) {
            yaml += "      " + flow.name.toUtf8() + ":\n        cluster: main\n        topics: [" +
                    flow.topics.first().toUtf8() + "]\n        retry_topics: [" + flow.retryTopics.first().toUtf8() +
                    "]\n        dead_letter_topic: " + flow.deadLetterTopic.toUtf8() + "\n        groups:\n";
            for (const models::ConsumerGroupConfig &group : flow.groups)
                yaml += "          " + group.name.toUtf8() + ": {}\n";
            yaml += "        thresholds: {lag: 100}\n";
        }
        config.write(yaml);
    }

    // idemctl lag over every flow: one poll (what answering costs), and the
    // default two polls 1 s apart, start to start (what telling a status takes).
    for (const QStringList &polls : {QStringList{QStringLiteral("--polls"), QStringLiteral("1")}, QStringList{}}) {
        QList<qint64> times;
        QByteArray output;
        int exit = -1;
        for (int run = 0; run < 3; ++run) {
            QProcess ctl;
            QElapsedTimer timer;
            timer.start();
            ctl.start(program(QStringLiteral("idemctl")),
                      QStringList{QStringLiteral("--config"), configPath, QStringLiteral("lag"), QStringLiteral("--json")} + polls);
            ctl.waitForFinished(120000);
            times << timer.elapsed();
            output = ctl.readAllStandardOutput();
            exit = ctl.exitCode();
        }
        std::sort(times.begin(), times.end());
        std::printf("idemctl lag --json %s over %d flows: median %lld ms of 3 runs, exit %d, %lld bytes of JSON%s\n",
                    polls.isEmpty() ? "(the default: two polls 1 s apart, start to start)" : "--polls 1", flowCount,
                    times[1], exit, qint64(output.size()), polls.isEmpty() ? " (budget 2 s at 1 000 flows)" : "");
    }

    if (worldOnly) {
        std::printf("world kept up; configuration in %s (stop with Ctrl+C)\n", qPrintable(configPath));
        return app.exec();
    }

    // The console, offscreen, on the same world.
    QTemporaryDir home;
    QProcess idem;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!env.contains(QStringLiteral("DISPLAY")))
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_STATE_HOME"), home.filePath(QStringLiteral("state")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("IDEM_LOG"), QStringLiteral("info"));
    idem.setProcessEnvironment(env);
    idem.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    idem.start(program(QStringLiteral("idem")), {QStringLiteral("--config"), configPath, QStringLiteral("--interval"),
                                                 QStringLiteral("2")});
    if (!idem.waitForStarted(10000)) {
        std::fprintf(stderr, "idem did not start: %s\n", qPrintable(idem.errorString()));
        return 1;
    }
    const qint64 pid = idem.processId();
    const QString log = home.filePath(QStringLiteral("state/idem/log/idem.log"));
    static const QRegularExpression shown(QStringLiteral("first figures shown (\\d+) ms after start"));
    QElapsedTimer waited;
    waited.start();
    qint64 shownMs = -1;
    while (shownMs < 0 && waited.elapsed() < 120000 && idem.state() == QProcess::Running) {
        QFile file(log);
        if (file.open(QIODevice::ReadOnly)) {
            const auto match = shown.match(QString::fromUtf8(file.readAll()));
            if (match.hasMatch())
                shownMs = match.captured(1).toLongLong();
        }
        QThread::msleep(50);
    }
    if (shownMs < 0) {
        std::fprintf(stderr, "the console showed no figures within 2 minutes\n");
        return 1;
    }
    const double rssShown = bench::residentMiB(pid);
    QThread::sleep(10); // settle: the first polls read lag times
    const double ticksPerSecond = double(sysconf(_SC_CLK_TCK));
    const qint64 process0 = cpuTicks(QStringLiteral("/proc/%1/stat").arg(pid));
    const qint64 ui0 = cpuTicks(QStringLiteral("/proc/%1/task/%1/stat").arg(pid));
    QThread::sleep(idleSeconds);
    const qint64 process1 = cpuTicks(QStringLiteral("/proc/%1/stat").arg(pid));
    const qint64 ui1 = cpuTicks(QStringLiteral("/proc/%1/task/%1/stat").arg(pid));
    const double rssIdle = bench::residentMiB(pid);
    std::printf("console over %d flows: first figures shown %lld ms after start (budget 2 000 ms); resident %.1f MiB "
                "then, %.1f MiB after %d s more (budget 200 MiB after start)\n",
                flowCount, shownMs, rssShown, rssIdle, idleSeconds + 10);
    std::printf("console idle CPU over %d s at 2 s polls: %.1f %% of a core in all (polls included), "
                "%.1f %% on the UI thread (budget 3 %%)\n",
                idleSeconds, 100.0 * double(process1 - process0) / ticksPerSecond / idleSeconds,
                100.0 * double(ui1 - ui0) / ticksPerSecond / idleSeconds);
    ::kill(pid_t(pid), SIGTERM);
    idem.waitForFinished(10000);
    if (!keep.isEmpty()) {
        std::printf("world kept up; configuration in %s (stop with Ctrl+C)\n", qPrintable(configPath));
        std::fflush(stdout);
        return app.exec();
    }
    return 0;
}
