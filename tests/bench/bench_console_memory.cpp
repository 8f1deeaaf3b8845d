// Benchmark: the console's resident memory after a day of live data. Feeds
// the main window what the live monitor sends on the sandbox world (two
// flows, five groups, 37 partitions, three stores, two dead-letter topics),
// or on FLOWS flows of a source topic of 12 partitions, a retry and a
// dead-letter topic of 3 and two groups each, one poll every two seconds of
// simulated time for 24 hours, replotting the Flows page at the day range
// now and then, and prints the process's resident set as it grows.
// Budget: under 300 MB after a day (also at 100 flows).
//
//   bench_console_memory [HOURS] [INTERVAL_SECONDS] [FLOWS]

#include "tests/bench/benchsupport.h"
#include "ui/mainwindow.h"
#include "ui/pages/flowspage.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>

#include <cstdio>
#include <cstdlib>

using namespace idem;

namespace {


struct TopicShape
{
    QString flow;
    QString topic;
    models::TopicPartitionMarks::Role role;
    int partitions;
};

} // namespace

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("idem-bench"));
    const double hours = argc > 1 ? std::atof(argv[1]) : 24.0;
    const double interval = argc > 2 ? std::atof(argv[2]) : 2.0;
    const qint64 polls = qint64(hours * 3600 / interval);
    const double before = bench::residentMiB();

    const int flowCount = argc > 3 ? std::atoi(argv[3]) : 0;
    using Role = models::TopicPartitionMarks::Role;
    QList<TopicShape> topics{
        {QStringLiteral("orders"), QStringLiteral("orders.events"), Role::Source, 6},
        {QStringLiteral("orders"), QStringLiteral("orders.retry.1"), Role::Retry, 3},
        {QStringLiteral("orders"), QStringLiteral("orders.retry.2"), Role::Retry, 3},
        {QStringLiteral("orders"), QStringLiteral("orders.retry.3"), Role::Retry, 3},
        {QStringLiteral("orders"), QStringLiteral("orders.dlq"), Role::DeadLetter, 4},
        {QStringLiteral("payments"), QStringLiteral("payments.events"), Role::Source, 3},
        {QStringLiteral("payments"), QStringLiteral("payments.retry"), Role::Retry, 2},
        {QStringLiteral("payments"), QStringLiteral("payments.dlq"), Role::DeadLetter, 2},
    };
    QMap<QString, QStringList> groups{
        {QStringLiteral("orders"), {QStringLiteral("billing"), QStringLiteral("shipping"), QStringLiteral("ledger")}},
        {QStringLiteral("payments"), {QStringLiteral("ledger"), QStringLiteral("settlement")}}};
    if (flowCount > 0) {
        topics.clear();
        groups.clear();
        for (int i = 0; i < flowCount; ++i) {
            const QString flow = QStringLiteral("f%1").arg(i);
            topics.append({flow, flow + QStringLiteral(".events"), Role::Source, 12});
            topics.append({flow, flow + QStringLiteral(".retry"), Role::Retry, 3});
            topics.append({flow, flow + QStringLiteral(".dlq"), Role::DeadLetter, 3});
            groups.insert(flow, {flow + QStringLiteral(".billing"), flow + QStringLiteral(".shipping")});
        }
        std::printf("%d flows, %lld topics\n", flowCount, qint64(topics.size()));
    }

    ui::MainWindow window;
    window.setPollInterval(interval); // as idem --interval does
    window.resize(1400, 900);
    window.show();
    window.showPage(flowCount > 0 ? 0 : 1);
    window.setFlowStores({{QStringLiteral("orders"), {QStringLiteral("billing"), QStringLiteral("shipping"), QStringLiteral("ledger")}}});
    window.flowsPage()->setRange(4); // 24 hours
    QCoreApplication::processEvents();

    const qint64 start = QDateTime::currentMSecsSinceEpoch() - qint64(hours * 3600 * 1000);
    QMap<QString, qint64> produced; // topic -> messages so far
    QMap<QString, models::DeadLetterDigest> digests;
    QElapsedTimer timer;
    timer.start();
    std::printf("resident before: %.1f MiB\n", before);
    for (qint64 n = 0; n < polls; ++n) {
        const qint64 at = start + qint64(n * interval * 1000);
        models::LagSnapshot s;
        s.cluster = QStringLiteral("sandbox");
        s.takenAt = QDateTime::fromMSecsSinceEpoch(at, Qt::UTC);
        s.health.kind = models::ConnectionHealth::Kind::Cluster;
        s.health.name = s.cluster;
        s.health.state = models::HealthState::Ok;
        for (const TopicShape &t : topics) {
            const int rate = t.role == Role::Source ? 50 : t.role == Role::Retry ? 3 : 1;
            for (int p = 0; p < t.partitions; ++p) {
                const QString key = t.topic + QString::number(p);
                qint64 &high = produced[key];
                high += qint64(rate * interval / t.partitions) + (n % 7 == p ? 1 : 0);
                s.topics.append({t.flow, t.topic, t.role, p, std::max<qint64>(0, high - 100000), high});
                if (t.role == Role::DeadLetter)
                    continue;
                for (const QString &g : groups.value(t.flow)) {
                    const qint64 lag = (n + p) % 40 == 0 ? 200 : (n + p) % 5;
                    models::PartitionLag l;
                    l.flow = t.flow;
                    l.group = g;
                    l.topic = t.topic;
                    l.partition = p;
                    l.committed = std::max<qint64>(0, high - lag);
                    l.low = std::max<qint64>(0, high - 100000);
                    l.high = high;
                    l.lagMs = lag * 20;
                    s.partitions.append(l);
                }
            }
        }
        window.applySnapshot(s);
        for (const QString &store : {QStringLiteral("billing"), QStringLiteral("shipping"), QStringLiteral("ledger")}) {
            models::StoreFigures f;
            f.store = store;
            f.takenAt = s.takenAt;
            f.windowMs = 5 * 60 * 1000;
            f.processed = 15000 + n % 100;
            f.retried = 300 + n % 13;
            f.failed = 20 + n % 3;
            f.deadLettered = 5 + n % 2;
            window.applyStoreFigures(f);
        }
        // A dead letter every few polls, with causes that repeat.
        if (n % 5 == 0) {
            const QString flow = n % 10 == 0 ? QStringLiteral("orders") : QStringLiteral("payments");
            auto it = digests.find(flow);
            if (it == digests.end())
                it = digests.insert(flow, models::DeadLetterDigest(flow, flow + QStringLiteral(".dlq")));
            models::RawMessage raw;
            raw.topic = it->topic();
            raw.partition = int(n % 2);
            raw.offset = n;
            raw.timestampMs = at;
            models::DecodedEnvelope d;
            d.eventId = QStringLiteral("evt-%1").arg(n);
            d.consumerGroup = QStringLiteral("billing");
            d.errorClass = n % 3 ? QStringLiteral("PoisonMessage") : QStringLiteral("StoreUnavailable");
            d.error = QStringLiteral("event %1 rejected: amount %2 out of range").arg(n).arg(n % 997);
            it->add(raw, d);
            window.applyDeadLetters(*it);
        }
        if (n % 500 == 0) {
            window.flowsPage()->markDirty();
            window.flowsPage()->replotIfDirty();
            QCoreApplication::processEvents();
        }
        if (n > 0 && (n % qint64(3600 / interval) == 0 || n == polls - 1))
            std::printf("after %5.1f h of data (%lld polls, %.0f s to feed): resident %.1f MiB\n", (n + 1) * interval / 3600,
                        n + 1, timer.elapsed() / 1000.0, bench::residentMiB());
        std::fflush(stdout);
    }
    std::printf("history series: %lld\n", qint64(window.history().names().size()));
    std::printf("resident after a day of data: %.1f MiB (budget 300 MB)\n", bench::residentMiB());
    return 0;
}
