// idemctl replay request|list|show|approve|reject|cancel|run: four-eyes
// replays through the ops database, as the person --user names (default: the
// ops connection's user). The database enforces the rules; a refusal exits
// with 2 and the database's own reason.

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/ops/replayexecutor.h"
#include "connectors/ops/replayplanning.h"
#include "connectors/ops/replaystore.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <cstdio>

namespace idem::ctl {

namespace {

using namespace std::chrono_literals;
using connectors::PollControl;

constexpr auto kBudget = 60s;

void printJson(const QJsonObject &o)
{
    std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
}

void printText(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
}

// Exit status of a failed ops call: 2 refused by the rules, 3 not found, 1 otherwise.
int failed(const connectors::ops::ReplayStore &store, const QString &error)
{
    const int code = store.refused() ? ExitUsage : store.notFound() ? ExitNotFound : ExitUnreachable;
    return app::fail(store.refused() ? QStringLiteral("refused: %1").arg(error) : error, code);
}

Result<qint64> requestId(const QString &text)
{
    bool ok = false;
    const qint64 id = text.toLongLong(&ok);
    if (!ok || id <= 0)
        return makeError(QStringLiteral("\"%1\" is not a replay request id (a positive number)").arg(text.left(100)));
    return id;
}

} // namespace

Result<OpsContext> opsContext(const QCommandLineParser &parser)
{
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return makeError(loaded.error());
    if (!loaded->environment.ops)
        return makeError(QStringLiteral("environment %1 has no ops database: add ops: {connection: …} to the "
                                        "configuration")
                             .arg(loaded->environment.name));
    auto connection = connectors::ops::connectionAsUser(loaded->environment.ops->connection,
                                                        parser.value(QStringLiteral("user")));
    if (!connection)
        return makeError(QStringLiteral("the ops database's connection: %1").arg(connection.error()));
    return OpsContext{*loaded, *connection};
}

int replayCommand(const QCommandLineParser &parser, const QString &action, const QStringList &args)
{
    auto ctx = opsContext(parser);
    if (!ctx)
        return app::fail(ctx.error(), ExitUsage);
    const models::EnvironmentConfig &env = ctx->loaded.environment;
    const bool json = parser.isSet(QStringLiteral("json"));
    connectors::ops::ReplayStore store(ctx->connection);
    const auto control = PollControl::within(kBudget);

    if (action == QLatin1String("request")) {
        const QString flowName = parser.value(QStringLiteral("flow"));
        const models::FlowConfig *flow = env.flow(flowName);
        if (!flow)
            return app::fail(flowName.isEmpty() ? QStringLiteral("replay request needs --flow NAME")
                                                : QStringLiteral("no flow %1 in environment %2").arg(flowName, env.name),
                             ExitUsage);
        const QString reason = parser.value(QStringLiteral("reason")).trimmed();
        if (reason.isEmpty())
            return app::fail(QStringLiteral("replay request needs --reason TEXT: why these events are replayed"), ExitUsage);
        const bool byOffsets = parser.isSet(QStringLiteral("offsets"));
        const bool byFailure = parser.isSet(QStringLiteral("failure"));
        if (byOffsets == byFailure)
            return app::fail(QStringLiteral("name the dead letters with either --offsets TOPIC:PARTITION:OFFSET,… or "
                                            "--failure TEXT"),
                             ExitUsage);
        QList<connectors::ops::DeadLetterAddress> addresses;
        if (byOffsets) {
            auto parsed = connectors::ops::parseDeadLetterAddresses(parser.value(QStringLiteral("offsets")));
            if (!parsed)
                return app::fail(parsed.error(), ExitUsage);
            addresses = *parsed;
        }
        auto made = connectors::ops::requestReplay(env, store, flow->name, addresses,
                                                   parser.value(QStringLiteral("failure")),
                                                   parser.value(QStringLiteral("newest")).toLongLong(), reason,
                                                   parser.value(QStringLiteral("target-topic")), control);
        if (!made)
            return failed(store, made.error());
        if (json)
            printJson({{QStringLiteral("id"), made->id}, {QStringLiteral("items"), made->items},
                       {QStringLiteral("send"), made->items - made->skip}, {QStringLiteral("skip"), made->skip}});
        else
            printText(QStringLiteral("replay request %1: %2 items, dry run: %3 to send, %4 already processed (skipped "
                                     "unless an approver overrides); awaits another person's approval\n")
                          .arg(made->id)
                          .arg(made->items)
                          .arg(made->items - made->skip)
                          .arg(made->skip));
        return ExitDone;
    }
    if (action == QLatin1String("list")) {
        auto list = store.list(parser.value(QStringLiteral("status")), control);
        if (!list)
            return failed(store, list.error());
        if (json) {
            QJsonArray array;
            for (const auto &r : *list)
                array.append(models::toJson(r));
            printJson({{QStringLiteral("requests"), array}});
        } else {
            printText(models::toText(*list));
        }
        return ExitDone;
    }

    auto id = requestId(args.value(0));
    if (!id)
        return app::fail(id.error(), ExitUsage);
    if (action == QLatin1String("show")) {
        auto shown = store.show(*id, control);
        if (!shown)
            return failed(store, shown.error());
        if (json)
            printJson(models::toJson(*shown));
        else
            printText(models::toText(*shown));
        return ExitDone;
    }
    const QString comment = action == QLatin1String("run") ? QString() : parser.value(QStringLiteral("comment"));
    if (action == QLatin1String("approve") || action == QLatin1String("reject")) {
        const bool approve = action == QLatin1String("approve");
        const bool overrideProcessed = approve && parser.isSet(QStringLiteral("override-processed"));
        auto decided = connectors::ops::decideReplay(env, store, *id, approve, {}, comment,
                                                     overrideProcessed, control);
        if (!decided)
            return failed(store, decided.error());
        const int skip = decided->skip;
        const int items = decided->items;
        if (json)
            printJson({{QStringLiteral("id"), *id}, {QStringLiteral("status"), decided->status},
                       {QStringLiteral("dry_run_skip"), skip}});
        else
            printText(QStringLiteral("replay request %1 %2%3\n")
                          .arg(*id)
                          .arg(decided->status,
                               approve ? QStringLiteral(" (dry run now: %1 to send, %2 already processed%3)")
                                             .arg(items - skip)
                                             .arg(skip)
                                             .arg(overrideProcessed
                                                      ? QStringLiteral(", sent anyway")
                                                      : QStringLiteral(", skipped"))
                                       : QString()));
        return ExitDone;
    }
    if (action == QLatin1String("cancel")) {
        auto cancelled = store.cancel(*id, comment, control);
        if (!cancelled)
            return failed(store, cancelled.error());
        if (json)
            printJson({{QStringLiteral("id"), *id}, {QStringLiteral("status"), *cancelled}});
        else
            printText(QStringLiteral("replay request %1 cancelled\n").arg(*id));
        return ExitDone;
    }
    // run
    connectors::ops::ExecutorOptions options;
    bool ok = true;
    if (parser.isSet(QStringLiteral("rate")))
        options.rateLimit = parser.value(QStringLiteral("rate")).toDouble(&ok);
    if (!ok || !std::isfinite(options.rateLimit) || options.rateLimit < 0)
        return app::fail(QStringLiteral("--rate takes messages a second (0: no limit), not \"%1\"")
                             .arg(parser.value(QStringLiteral("rate"))),
                         ExitUsage);
    if (parser.isSet(QStringLiteral("verify-timeout"))) {
        const double seconds = parser.value(QStringLiteral("verify-timeout")).toDouble(&ok);
        if (!ok || !std::isfinite(seconds) || seconds < 0 || seconds > 86400)
            return app::fail(QStringLiteral("--verify-timeout takes seconds, 0 to 86400, not \"%1\"")
                                 .arg(parser.value(QStringLiteral("verify-timeout"))),
                             ExitUsage);
        options.verifyTimeout = std::chrono::milliseconds(qint64(seconds * 1000));
    }
    connectors::ops::ReplayExecutor executor(env, store, options);
    auto report = executor.run(*id, PollControl{}, [json](const connectors::ops::ExecutionProgress &p) {
        if (!json)
            std::fprintf(stderr, "replay %lld: %d/%d sent, %d skipped, %d confirmed, %d failed\n", qint64(p.request),
                         p.sent, p.items, p.skipped, p.confirmed, p.failed);
    });
    if (!report)
        return failed(store, report.error());
    const auto &r = *report;
    if (json) {
        printJson({{QStringLiteral("id"), r.request},
                   {QStringLiteral("status"), r.status},
                   {QStringLiteral("attempt"), r.attempt},
                   {QStringLiteral("resumed"), r.resumed},
                   {QStringLiteral("items"), r.counts.items},
                   {QStringLiteral("sent"), r.counts.sent},
                   {QStringLiteral("produced_now"), r.producedNow},
                   {QStringLiteral("found_from_earlier_run"), r.foundFromEarlierRun},
                   {QStringLiteral("skipped"), r.counts.skipped},
                   {QStringLiteral("confirmed"), r.counts.confirmed},
                   {QStringLiteral("failed"), r.counts.failed},
                   {QStringLiteral("send_seconds"), r.sendSeconds},
                   {QStringLiteral("approved_at"), r.approvedAt.toString(Qt::ISODateWithMs)},
                   {QStringLiteral("claimed_at"), r.claimedAt.toString(Qt::ISODateWithMs)},
                   {QStringLiteral("first_produced_at"),
                    r.firstProducedAt.isValid() ? QJsonValue(r.firstProducedAt.toString(Qt::ISODateWithMs)) : QJsonValue()},
                   {QStringLiteral("detail"), r.detail}});
    } else {
        printText(QStringLiteral("replay %1 %2: %3 items, %4 sent (%5 now, %6 found from an earlier run), %7 skipped, "
                                 "%8 confirmed, %9 failed%10\n")
                      .arg(r.request)
                      .arg(r.status)
                      .arg(r.counts.items)
                      .arg(r.counts.sent)
                      .arg(r.producedNow)
                      .arg(r.foundFromEarlierRun)
                      .arg(r.counts.skipped)
                      .arg(r.counts.confirmed)
                      .arg(r.counts.failed)
                      .arg(r.detail.isEmpty() ? QString() : QStringLiteral("\n  ") + r.detail));
    }
    return r.status == QLatin1String("done") ? ExitDone : ExitFindings;
}

} // namespace idem::ctl
