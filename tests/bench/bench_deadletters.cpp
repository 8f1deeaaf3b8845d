// Benchmark: the Dead letters page on a topic of 1 000 000 dead letters (Idem
// convention, 100 partitions so the mock cluster's 5 MiB a partition keeps
// them all), and the already-processed lookup against 3 stores of 10 million
// rows. Prints figures; no gates.
//
//   bench_deadletters [--messages N] [--partitions P] [--store-rows R] [--no-stores] [--filter-only]
//
// The mock cluster runs in a child process (this program with --serve), so
// the resident memory measured is the console's alone: the page open on the
// topic, its filter run over every dead letter for the failure groups, and
// its view scrolled from the first row to the last.
//
// Figures: page opened to the first 100 rows shown; scrolling to 20 random
// rows (median, worst); a text filter over the whole topic beside kcat
// reading it (kcat -C -e -o beginning -q -f '%h\n' | grep -c NEEDLE);
// resident memory; a lookup of 100 event ids in 3 stores (median, p95 of 50).

#include "connectors/deadletters/deadletterservice.h"
#include "connectors/deadletters/processedlookup.h"
#include "connectors/kafka/kafkaproducer.h"
#include "connectors/kafka/mockkafka.h"
#include "connectors/postgres/localpostgres.h"
#include "models/deadletters/deadlettertablemodel.h"
#include "tests/bench/benchsupport.h"
#include "ui/pages/deadletterspage.h"

#include <pqxx/pqxx>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>

using namespace idem;
using namespace std::chrono_literals;

namespace {

const QString kTopic = QStringLiteral("bench.dlq");

// The child: a mock cluster holding the dead letters, until stdin closes.
int serve(qint64 messages, int partitions)
{
    auto kafka = connectors::kafka::MockKafka::start(1);
    if (!kafka || !(*kafka)->createTopic(kTopic, partitions)) {
        std::fprintf(stderr, "cannot start the mock cluster\n");
        return 1;
    }
    const QString bootstrap = (*kafka)->bootstrapServers();
    QElapsedTimer timer;
    timer.start();
    {
        auto producer = connectors::kafka::KafkaProducer::create(
            {{QStringLiteral("bootstrap.servers"), bootstrap}},
            // Batches as a Java producer makes them by default (batch.size
            // 16 KiB): dead letters are written by consumers' recoverers.
            {{QStringLiteral("linger.ms"), QStringLiteral("5")},
             {QStringLiteral("batch.size"), QStringLiteral("16384")},
             {QStringLiteral("queue.buffering.max.messages"), QStringLiteral("500000")}});
        if (!producer)
            return 1;
        const connectors::PollControl control = connectors::PollControl::within(20min);
        models::RawMessage m;
        m.topic = kTopic;
        const qint64 now = QDateTime::currentMSecsSinceEpoch() - messages;
        for (qint64 i = 0; i < messages; ++i) {
            const QByteArray id = "ev-" + QByteArray::number(i);
            m.partition = int(i % partitions);
            m.timestampMs = now + i;
            m.key = "order-" + QByteArray::number(i % 50000);
            m.value = "{\"event_id\":\"" + id + "\",\"amount_cents\":" + QByteArray::number(i % 9999) + "}";
            m.headers = {{"event_id", id},
                         {"event_type", "order.created"},
                         {"attempt", "4"},
                         {"original_topic", "orders"},
                         {"original_offset", QByteArray::number(i)},
                         {"consumer_group", i % 3 ? "billing" : "shipping"},
                         {"error", i % 7 ? QByteArray("no such customer " + QByteArray::number(i % 1000))
                                         : QByteArray("timeout after " + QByteArray::number(i % 5000) + " ms")}};
            if (auto sent = (*producer)->produce(m, control); !sent) {
                std::fprintf(stderr, "%s\n", qPrintable(sent.error()));
                return 1;
            }
            if (i % 10000 == 0) {
                (*producer)->serve();
                (*producer)->takeDeliveries();
            }
        }
        if (!(*producer)->flush(control))
            return 1;
    }
    std::fprintf(stderr, "produced %lld dead letters over %d partitions in %lld ms\n", messages, partitions,
                 timer.elapsed());
    std::printf("READY %s\n", qPrintable(bootstrap));
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    return 0;
}

template<typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds timeout = 60s)
{
    // Sleeps between events (a tick every 2 ms), so the wait takes no core
    // from the workers it waits for.
    QElapsedTimer t;
    t.start();
    QTimer tick;
    tick.start(2);
    while (!pred()) {
        if (t.elapsed() > timeout.count())
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

models::EnvironmentConfig environment(const QString &bootstrap)
{
    models::EnvironmentConfig env;
    env.name = QStringLiteral("bench");
    env.clusters = {{QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), bootstrap}}}};
    models::FlowConfig flow;
    flow.name = QStringLiteral("orders");
    flow.cluster = QStringLiteral("main");
    flow.topics = {QStringLiteral("orders")};
    flow.deadLetterTopic = kTopic;
    env.flows = {flow};
    return env;
}

void benchStores(qint64 rows)
{
    auto pg = connectors::LocalPostgres::start();
    if (!pg) {
        std::printf("stores: PostgreSQL not started: %s\n", qPrintable(pg.error()));
        return;
    }
    QElapsedTimer timer;
    timer.start();
    models::EnvironmentConfig env;
    env.name = QStringLiteral("bench");
    models::FlowConfig flow;
    flow.name = QStringLiteral("orders");
    flow.topics = {QStringLiteral("orders")};
    const QStringList names{QStringLiteral("billing"), QStringLiteral("shipping"), QStringLiteral("ledger")};
    for (const QString &name : names) {
        {
            pqxx::connection c((*pg)->connectionString().toStdString());
            pqxx::nontransaction tx(c);
            tx.exec("CREATE DATABASE " + name.toStdString());
        }
        pqxx::connection c((*pg)->connectionString(name).toStdString());
        pqxx::nontransaction tx(c);
        tx.exec("CREATE UNLOGGED TABLE processed_events AS SELECT 'ev-' || g AS event_id, "
                "CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'processed' END AS status "
                "FROM generate_series(0, " + std::to_string(rows - 1) + ") g");
        tx.exec("ALTER TABLE processed_events ADD PRIMARY KEY (event_id)");
        tx.exec("ANALYZE processed_events");
        models::StoreConfig store;
        store.name = name;
        store.connection = (*pg)->connectionString(name);
        env.stores.append(store);
        flow.groups.append({name, name});
    }
    env.flows = {flow};
    std::printf("stores: 3 × %lld rows made in %.1f s\n", rows, timer.elapsed() / 1000.0);
    connectors::deadletters::ProcessedLookup lookup(env, flow.name);
    QList<double> times;
    auto *rng = QRandomGenerator::global();
    for (int run = 0; run < 51; ++run) {
        QHash<QString, QString> events;
        while (events.size() < 100) // half of them in the stores
            events.insert(QStringLiteral("ev-%1").arg(rng->bounded(rows * 2)), QStringLiteral("orders"));
        QElapsedTimer t;
        t.start();
        const auto states = lookup.lookup(events, connectors::PollControl::within(30s));
        const double ms = t.nsecsElapsed() / 1e6;
        if (states.size() != 100 || states.begin()->kind == models::ProcessedState::Kind::Unknown) {
            std::printf("stores: lookup failed: %s\n", qPrintable(states.begin()->text()));
            return;
        }
        if (run > 0) // the first opens the three sessions
            times << ms;
    }
    std::sort(times.begin(), times.end());
    std::printf("already processed? 100 event ids in 3 stores of %lld rows: median %.1f ms, p95 %.1f ms\n", rows,
                times[times.size() / 2], times[times.size() * 95 / 100]);
}

// A text filter over every dead letter, beside kcat reading the topic.
bool benchFilter(QApplication &app, connectors::deadletters::DeadLetterService &service, const QString &bootstrap)
{
    models::DeadLetterScan result;
    bool done = false;
    QObject::connect(&service, &models::DeadLetterSource::scanFinished, &app,
                     [&](quint64, const models::DeadLetterScan &scan) {
                         result = scan;
                         done = true;
                     });
    models::DeadLetterFilter filter;
    filter.text = QStringLiteral("ev-99999");
    QElapsedTimer timer;
    timer.start();
    service.requestScan(QStringLiteral("orders"), filter);
    waitFor([&] { return done; }, 10min);
    const double filterMs = timer.nsecsElapsed() / 1e6;
    std::printf("filter \"ev-99999\" over the whole topic: %.0f ms, %s\n", filterMs, qPrintable(result.summary()));
    const QString kcat = QStandardPaths::findExecutable(QStringLiteral("kcat"));
    if (!kcat.isEmpty()) {
        QProcess p;
        timer.restart();
        p.start(QStringLiteral("/bin/sh"),
                {QStringLiteral("-c"), QStringLiteral("%1 -C -b %2 -t %3 -o beginning -e -q -f '%h\\n' | grep -c ev-99999")
                                           .arg(kcat, bootstrap, kTopic)});
        p.waitForFinished(10 * 60 * 1000);
        const double kcatMs = timer.nsecsElapsed() / 1e6;
        std::printf("kcat reading the same topic: %.0f ms, %s lines matched; the filter took %.2f × kcat's time\n",
                    kcatMs, p.readAllStandardOutput().trimmed().constData(), filterMs / kcatMs);
    }
    return done && result.complete();
}

} // namespace

int main(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--serve")
            qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOptions({{QStringLiteral("messages"), QStringLiteral("Dead letters."), QStringLiteral("N"), QStringLiteral("1000000")},
                       {QStringLiteral("partitions"), QStringLiteral("Partitions."), QStringLiteral("P"), QStringLiteral("100")},
                       {QStringLiteral("store-rows"), QStringLiteral("Rows per store."), QStringLiteral("R"),
                        QStringLiteral("10000000")},
                       {QStringLiteral("no-stores"), QStringLiteral("Skip the store lookup.")},
                       {QStringLiteral("filter-only"),
                        QStringLiteral("Only the text filter beside kcat (no page, no stores).")},
                       {QStringLiteral("serve"), QStringLiteral("(internal) host the mock cluster.")}});
    parser.process(app);
    const qint64 messages = parser.value(QStringLiteral("messages")).toLongLong();
    const int partitions = parser.value(QStringLiteral("partitions")).toInt();
    if (parser.isSet(QStringLiteral("serve")))
        return serve(messages, partitions);

    const bool filterOnly = parser.isSet(QStringLiteral("filter-only"));
    if (!filterOnly && !parser.isSet(QStringLiteral("no-stores")))
        benchStores(parser.value(QStringLiteral("store-rows")).toLongLong());

    QProcess cluster;
    cluster.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    cluster.start(QCoreApplication::applicationFilePath(),
                  {QStringLiteral("--serve"), QStringLiteral("--messages"), QString::number(messages),
                   QStringLiteral("--partitions"), QString::number(partitions)});
    if (!cluster.waitForReadyRead(30 * 60 * 1000)) {
        std::fprintf(stderr, "the cluster process did not get ready\n");
        return 1;
    }
    const QString bootstrap = QString::fromUtf8(cluster.readLine()).trimmed().mid(6);
    const double baseMiB = bench::residentMiB();

    connectors::deadletters::DeadLetterService service(environment(bootstrap));
    if (filterOnly) {
        const bool ok = benchFilter(app, service, bootstrap);
        cluster.closeWriteChannel();
        cluster.waitForFinished(30000);
        return ok ? 0 : 1;
    }
    ui::DeadLettersPage page;
    page.resize(1500, 950);
    page.setSource(&service);
    page.show();
    models::DeadLetterTableModel *model = page.model();

    QElapsedTimer timer;
    timer.start();
    page.showFlow(QStringLiteral("orders"));
    const bool first = waitFor([&] {
        if (model->rowCount() < 100)
            return false;
        for (int r = 0; r < 100; ++r) {
            if (!model->rowAt(r))
                return false;
        }
        return true;
    });
    std::printf("page opened, first 100 rows shown: %.0f ms%s (%d rows)\n", timer.nsecsElapsed() / 1e6,
                first ? "" : " (timed out)", model->rowCount());

    auto scrollBench = [&](const char *when) {
        QList<double> scrolls;
        auto *rng = QRandomGenerator::global();
        for (int i = 0; i < 20; ++i) {
            const int row = int(rng->bounded(model->rowCount()));
            QElapsedTimer t;
            t.start();
            page.view()->scrollTo(model->index(row, 0), QAbstractItemView::PositionAtCenter);
            const bool ok = waitFor([&] { return model->rowAt(row).has_value(); });
            scrolls << (ok ? t.nsecsElapsed() / 1e6 : -1);
        }
        std::sort(scrolls.begin(), scrolls.end());
        std::printf("scroll to a random row, its rows shown (%s): median %.0f ms, worst %.0f ms (20 rows)\n", when,
                    scrolls[scrolls.size() / 2], scrolls.last());
    };
    scrollBench("while the failure groups are read");

    // The failure groups run started with the page: let it finish.
    timer.restart();
    waitFor([&] { return !page.scanRunning(); }, 10min);
    std::printf("failure groups of the whole topic: ready %.1f s after the scrolls; %s\n", timer.elapsed() / 1000.0,
                qPrintable(page.scanSummary()));
    scrollBench("after");

    benchFilter(app, service, bootstrap);

    // Scrolled end to end: every 1/300th of the way, then the last row.
    page.clearFilter();
    const int rows = model->rowCount();
    for (int step = 0; step <= 300; ++step) {
        const int row = std::min(rows - 1, int(qint64(rows - 1) * step / 300));
        page.view()->scrollTo(model->index(row, 0), QAbstractItemView::PositionAtCenter);
        waitFor([&] { return model->rowAt(row).has_value(); });
    }
    std::printf("resident memory, page open and scrolled end to end: %.1f MiB (%.1f MiB before opening the page; "
                "%d pages cached)\n",
                bench::residentMiB(), baseMiB, model->cachedPages());

    cluster.closeWriteChannel();
    cluster.waitForFinished(30000);
    return 0;
}
