// idemctl index run | index status: the event index in the ops database.
// run contends for the index lease and tails the flows' topics while it
// holds it, as a service, until SIGTERM or SIGINT (then it gives the lease
// up and exits 0); status prints the lease's holder and each partition's
// coverage (from–to offsets and times, lag behind the high watermark).

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "connectors/common/logging.h"
#include "connectors/ops/eventindex.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/pgsession.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace idem::ctl {

namespace {

std::atomic_bool g_stop{false};
static_assert(std::atomic_bool::is_always_lock_free, "set from a signal handler");

extern "C" void stopIndex(int)
{
    g_stop.store(true);
}

QString isoOrNull(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonObject statusJson(const connectors::ops::IndexStatus &status)
{
    QJsonArray partitions;
    for (const auto &c : status.partitions) {
        QJsonObject o{{QStringLiteral("topic"), c.topic},
                      {QStringLiteral("partition"), c.partition},
                      {QStringLiteral("flow"), c.flow},
                      {QStringLiteral("from_offset"), c.firstOffset},
                      {QStringLiteral("to_offset"), c.nextOffset},
                      {QStringLiteral("indexed"), c.indexed},
                      {QStringLiteral("unreadable"), c.unreadable},
                      {QStringLiteral("too_old"), c.tooOld}};
        o.insert(QStringLiteral("from_time"), c.firstTime.isValid() ? QJsonValue(isoOrNull(c.firstTime)) : QJsonValue());
        o.insert(QStringLiteral("to_time"), c.lastTime.isValid() ? QJsonValue(isoOrNull(c.lastTime)) : QJsonValue());
        o.insert(QStringLiteral("high_watermark"), c.high >= 0 ? QJsonValue(c.high) : QJsonValue());
        o.insert(QStringLiteral("lag"), c.high >= 0 ? QJsonValue(c.lag()) : QJsonValue());
        o.insert(QStringLiteral("updated_at"), isoOrNull(c.updatedAt));
        partitions.append(o);
    }
    QJsonArray days;
    for (const QDate &d : status.days)
        days.append(d.toString(Qt::ISODate));
    return QJsonObject{{QStringLiteral("holder"), status.holder.isEmpty() ? QStringLiteral("nobody") : status.holder},
                       {QStringLiteral("held"), status.held},
                       {QStringLiteral("summary"), status.summary()},
                       {QStringLiteral("retention_days"), status.retentionDays},
                       {QStringLiteral("days"), days},
                       {QStringLiteral("partitions"), partitions},
                       {QStringLiteral("problems"), QJsonArray::fromStringList(status.problems)}};
}

} // namespace

int indexCommand(const QCommandLineParser &parser, const QString &action)
{
    using namespace std::chrono_literals;
    auto ctx = opsContext(parser);
    if (!ctx)
        return app::fail(ctx.error(), ExitUsage);
    models::EnvironmentConfig env = ctx->loaded.environment;
    env.ops->connection = ctx->connection;

    if (action == QLatin1String("run")) {
        if (env.flows.isEmpty())
            return app::fail(QStringLiteral("environment %1 has no flows whose topics could be indexed").arg(env.name),
                             ExitUsage);
        std::signal(SIGTERM, stopIndex);
        std::signal(SIGINT, stopIndex);
        auto log = connectors::logger("index");
        const QString holder = connectors::ops::defaultLeaseHolderName(QStringLiteral("idemctl index run"));
        log->info("idemctl index run: contending for the index lease as \"{}\"", holder.toStdString());
        connectors::ops::EventIndexTailer tailer(env, holder);
        bool wasHeld = false;
        qint64 total = 0;
        tailer.run(g_stop, [&](const connectors::ops::TailPass &p) {
            if (p.held != wasHeld)
                std::fprintf(stderr, "%s\n",
                             p.held ? "holding the index lease: tailing"
                                    : "not holding the index lease: another holder tails; contending");
            wasHeld = p.held;
            total += p.indexed;
            if (p.indexed > 0)
                log->debug("indexed {} messages ({} unreadable, {} past retention) from {} partitions", p.indexed,
                           p.unreadable, p.tooOld, p.partitions);
        });
        log->info("idemctl index run: stopped after indexing {} messages", total);
        std::fprintf(stderr, "stopped; indexed %lld messages\n", static_cast<long long>(total));
        return ExitDone;
    }

    connectors::postgres::PgSessionOptions options;
    options.label = QStringLiteral("the ops database");
    options.readOnly = true;
    connectors::postgres::PgSession session(ctx->connection, options);
    auto status = connectors::ops::readIndexStatus(env, session, connectors::PollControl::within(30s));
    if (!status)
        return app::fail(status.error(), ExitUnreachable);
    if (parser.isSet(QStringLiteral("json"))) {
        std::printf("%s\n", QJsonDocument(statusJson(*status)).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf("%s\n", qPrintable(status->summary()));
        std::printf("retention: %d days; day partitions: %lld\n", status->retentionDays,
                    static_cast<long long>(status->days.size()));
        for (const auto &c : status->partitions) {
            std::printf("%s[%d]  offsets %lld–%lld  %s – %s  lag %s  indexed %lld  unreadable %lld\n",
                        qPrintable(c.topic), c.partition, static_cast<long long>(c.firstOffset),
                        static_cast<long long>(c.nextOffset),
                        c.firstTime.isValid() ? qPrintable(isoOrNull(c.firstTime)) : "-",
                        c.lastTime.isValid() ? qPrintable(isoOrNull(c.lastTime)) : "-",
                        c.high >= 0 ? qPrintable(QString::number(c.lag())) : "unknown",
                        static_cast<long long>(c.indexed), static_cast<long long>(c.unreadable));
        }
        for (const QString &p : status->problems)
            std::printf("could not read %s\n", qPrintable(p));
    }
    return status->problems.isEmpty() ? ExitDone : ExitUnreachable;
}

} // namespace idem::ctl
