// Benchmark: a four-eyes replay of 10 000 dead letters end to end in the
// sandbox (mock Kafka cluster, throwaway PostgreSQL, its billing and
// shipping consumers): request with its dry run, approval with the
// approver's dry run, execution with the rate limit off, confirmation in
// both stores; then the same again with the executor (idemctl) killed by
// SIGKILL mid-run and the request resumed by another person. Counts every
// replayed record on the target topic with a separate consumer: duplicates
// must be zero. Prints figures; no gates.
//
//   bench_replay [--items N]

#include "connectors/config/configfile.h"
#include "connectors/ops/replayexecutor.h"
#include "connectors/ops/replayplanning.h"
#include "connectors/ops/replaystore.h"
#include "tests/support/topicreader.h"
#include "tests/support/topicwriter.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QUuid>

#include <csignal>
#include <cstdio>

#include <sys/stat.h>

using namespace idem;
using namespace idem::connectors;
using namespace std::chrono_literals;

namespace {

struct World
{
    QString config;
    QString bootstrap;
    models::EnvironmentConfig env;
};

QString opsAs(const World &w, const QString &user)
{
    return ops::connectionAsUser(w.env.ops->connection, user).value();
}

// N dead letters of new events (copies of a real order event under new
// event_ids), as billing would write them; their addresses.
QList<ops::DeadLetterAddress> writeLetters(const World &w, int n)
{
    const auto events = testsupport::readTopic(w.bootstrap, QStringLiteral("orders.events"));
    // Spread over the partitions: the mock cluster keeps about 5 MB a partition.
    const auto marks = testsupport::watermarks(w.bootstrap, QStringLiteral("orders.dlq"));
    QList<qint64> next;
    for (const auto &m : marks)
        next << m.high;
    QList<testsupport::OutgoingRecord> letters;
    for (int i = 0; i < n; ++i) {
        const auto &model = events[i % events.size()];
        testsupport::OutgoingRecord out;
        out.key = model.key;
        out.value = model.payload;
        out.partition = i % int(next.size());
        for (const auto &h : model.headers)
            out.headers.append({h.first, h.first == "event_id" ? QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8() : h.second});
        out.headers.append({QByteArray("original_topic"), QByteArray("orders.events")});
        out.headers.append({QByteArray("consumer_group"), QByteArray("billing")});
        out.headers.append({QByteArray("error"), QByteArray("payment gateway unavailable: HTTP 503")});
        letters << out;
    }
    testsupport::produce(w.bootstrap, QStringLiteral("orders.dlq"), letters);
    QList<ops::DeadLetterAddress> addresses;
    for (int i = 0; i < n; ++i) {
        const int p = i % int(next.size());
        addresses.append({QStringLiteral("orders.dlq"), p, next[p]++});
    }
    return addresses;
}

struct Approved
{
    qint64 id = -1;
    double requestSeconds = 0;
    double approveSeconds = 0;
    QElapsedTimer sinceApproval;
};

Approved requestAndApprove(const World &w, const QList<ops::DeadLetterAddress> &addresses)
{
    Approved a;
    const models::FlowConfig *flow = w.env.flow(QStringLiteral("orders"));
    const auto control = PollControl::within(600s);
    QElapsedTimer t;
    t.start();
    auto items = ops::collectItems(w.env, *flow, addresses, {}, 0, {}, control);
    if (!items || !ops::dryRun(w.env, *flow, *items, control)) {
        std::fprintf(stderr, "cannot prepare: %s\n", qPrintable(items.error()));
        return a;
    }
    ops::ReplayStore alice(opsAs(w, QStringLiteral("alice")));
    auto id = alice.request(QStringLiteral("orders"), QStringLiteral("benchmark"), *items, {}, control);
    if (!id) {
        std::fprintf(stderr, "request: %s\n", qPrintable(id.error()));
        return a;
    }
    a.requestSeconds = t.elapsed() / 1000.0;
    t.restart();
    ops::ReplayStore bob(opsAs(w, QStringLiteral("bob")));
    auto shown = bob.show(*id, control);
    QList<models::ReplayItemSpec> specs;
    for (const auto &i : shown->items)
        specs << i.spec;
    (void)ops::dryRun(w.env, *flow, specs, control);
    QMap<int, QPair<bool, QString>> dry;
    for (int n = 0; n < specs.size(); ++n)
        dry.insert(shown->items[n].item, {specs[n].dryRunSkip, specs[n].dryRunReason});
    auto decided = bob.decide(*id, true, shown->request.itemsHash, QStringLiteral("bench"), false, dry, control);
    if (!decided) {
        std::fprintf(stderr, "approve: %s\n", qPrintable(decided.error()));
        return a;
    }
    a.approveSeconds = t.elapsed() / 1000.0;
    a.sinceApproval.start();
    a.id = *id;
    return a;
}

// The executor as benchmarked: no rate limit, time to confirm 10 000 events.
ops::ExecutorOptions unlimited()
{
    ops::ExecutorOptions options;
    options.rateLimit = 0;
    options.verifyTimeout = 600s;
    return options;
}

// Copies per item of request `id` on orders.events, read by a separate consumer.
QPair<int, int> copies(const World &w, qint64 id)
{
    QHash<int, int> perItem;
    for (const auto &r : testsupport::readTopic(w.bootstrap, QStringLiteral("orders.events"), 120000)) {
        if (r.header("idem-replay-request") == QByteArray::number(id))
            ++perItem[r.header("idem-replay-item").toInt()];
    }
    int duplicates = 0;
    for (int c : std::as_const(perItem))
        duplicates += c - 1;
    return {int(perItem.size()), duplicates};
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("items"), QStringLiteral("Dead letters to replay per run."), QStringLiteral("N"),
                      QStringLiteral("10000")});
    parser.process(app);
    const int n = parser.value(QStringLiteral("items")).toInt();

    QTemporaryDir dir;
    ::chmod(dir.path().toLocal8Bit().constData(), 0711);
    QProcess sandbox;
    sandbox.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    sandbox.start(QStringLiteral(IDEM_SANDBOX), {QStringLiteral("--dir"), dir.path(), QStringLiteral("--faults"),
                                                 QStringLiteral("none"), QStringLiteral("--rate"), QStringLiteral("5"),
                                                 QStringLiteral("--log-level"), QStringLiteral("warn")});
    if (!sandbox.waitForReadyRead(120000)) {
        std::fprintf(stderr, "the sandbox did not start\n");
        return 1;
    }
    // The sandbox stops however this ends.
    struct Stop
    {
        QProcess &p;
        ~Stop()
        {
            p.terminate();
            p.waitForFinished(60000);
        }
    } stop{sandbox};
    World w;
    w.config = QString::fromUtf8(sandbox.readLine()).trimmed().mid(6);
    auto config = loadConfig(w.config);
    if (!config) {
        std::fprintf(stderr, "%s\n", qPrintable(config.error()));
        return 1;
    }
    w.env = config->environments.first();
    w.bootstrap = w.env.clusters.first().property(QStringLiteral("bootstrap.servers"));
    QThread::sleep(3); // a few real events to copy

    // Run 1: uninterrupted.
    {
        const auto addresses = writeLetters(w, n);
        Approved a = requestAndApprove(w, addresses);
        if (a.id < 0)
            return 1;
        ops::ReplayStore dave(opsAs(w, QStringLiteral("dave")));
        ops::ReplayExecutor executor(w.env, dave, unlimited());
        QElapsedTimer total;
        total.start();
        const qint64 approvedMs = a.sinceApproval.elapsed();
        auto report = executor.run(a.id, PollControl::within(900s));
        if (!report) {
            std::fprintf(stderr, "run: %s\n", qPrintable(report.error()));
            return 1;
        }
        const double firstMs = report->firstProducedAt.isValid()
            ? report->claimedAt.msecsTo(report->firstProducedAt) + approvedMs
            : -1;
        const auto [items, duplicates] = copies(w, a.id);
        std::printf("run 1: %d items, request + dry run %.2f s, approval with dry run %.2f s\n", n, a.requestSeconds,
                    a.approveSeconds);
        std::printf("  sent in %.2f s from claim to last acknowledgement: %.0f items/s; approval -> first item produced "
                    "%.0f ms (claim -> first %lld ms)\n",
                    report->sendSeconds, n / report->sendSeconds, firstMs,
                    qint64(report->claimedAt.msecsTo(report->firstProducedAt)));
        std::printf("  end to end (claim, send, confirmation in billing and shipping) %.2f s: %s, %d confirmed; "
                    "on the topic: %d items, %d duplicates\n",
                    total.elapsed() / 1000.0, qPrintable(report->status), report->counts.confirmed, items, duplicates);
    }
    // Run 2: the executor killed mid-run, another person resumes.
    {
        const auto addresses = writeLetters(w, n);
        Approved a = requestAndApprove(w, addresses);
        if (a.id < 0)
            return 1;
        QProcess first;
        first.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), w.config, QStringLiteral("--user"),
                                              QStringLiteral("alice"), QStringLiteral("replay"), QStringLiteral("run"),
                                              QString::number(a.id), QStringLiteral("--rate"), QStringLiteral("0")});
        first.waitForStarted();
        ops::ReplayStore carol(opsAs(w, QStringLiteral("carol")));
        int sent = 0;
        while (sent < n / 3 && first.state() == QProcess::Running) {
            auto list = carol.list(QStringLiteral("executing"), PollControl::within(10s));
            if (list) {
                for (const auto &r : *list)
                    if (r.id == a.id)
                        sent = r.itemStates.value(QStringLiteral("sent"));
            }
            QThread::msleep(20);
        }
        ::kill(pid_t(first.processId()), SIGKILL);
        first.waitForFinished();
        const auto [before, dupBefore] = copies(w, a.id);
        ops::ReplayStore dave(opsAs(w, QStringLiteral("dave")));
        ops::ReplayExecutor executor(w.env, dave, unlimited());
        QElapsedTimer resume;
        resume.start();
        auto report = executor.run(a.id, PollControl::within(900s));
        if (!report) {
            std::fprintf(stderr, "resume: %s\n", qPrintable(report.error()));
            return 1;
        }
        const auto [items, duplicates] = copies(w, a.id);
        std::printf("run 2: killed with %d recorded as sent and %d on the topic (duplicates %d); resumed by dave: "
                    "%d found sent by the killed run, %d produced now, resumed send %.2f s, end to end %.2f s: %s; "
                    "on the topic: %d items, %d duplicates\n",
                    sent, before, dupBefore, report->foundFromEarlierRun, report->producedNow, report->sendSeconds,
                    resume.elapsed() / 1000.0, qPrintable(report->status), items, duplicates);
    }
    return 0;
}
