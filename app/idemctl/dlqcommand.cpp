// idemctl dlq list [--flow NAME] [--failure TEXT] [--from T --to T]
//                  [--offset-from P:O] [--limit N] [--json]
// idemctl dlq show TOPIC:PARTITION:OFFSET [--flow NAME] [--json]
//
// The dead letters of a flow as the console's Dead letters page lists them,
// newest first, with whether each event was processed by a store after all;
// and one dead letter's record in full. A filter reads the whole retained
// topic and says what it could not read.

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/deadletters/deadletterreader.h"
#include "connectors/deadletters/processedlookup.h"
#include "models/reports/dlqreport.h"
#include "models/trace/trace.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>

namespace idem::ctl {

namespace {

using connectors::PollControl;
using connectors::deadletters::DeadLetterReader;
using connectors::deadletters::ProcessedLookup;

Result<models::DeadLetterFilter> parseFilter(const QCommandLineParser &parser)
{
    models::DeadLetterFilter filter;
    filter.failure = parser.value(QStringLiteral("failure"));
    const auto window = timeWindow(parser, QDateTime::currentDateTimeUtc());
    if (!window)
        return makeError(window.error());
    filter.from = window->from;
    filter.to = window->to;
    if (parser.isSet(QStringLiteral("offset-from"))) {
        const QString text = parser.value(QStringLiteral("offset-from"));
        const QStringList parts = text.split(QLatin1Char(':'));
        bool okP = false;
        bool okO = false;
        const int p = parts.value(0).toInt(&okP);
        const qint64 o = parts.value(1).toLongLong(&okO);
        if (parts.size() != 2 || !okP || !okO || p < 0 || o < 0)
            return makeError(QStringLiteral("--offset-from must be PARTITION:OFFSET such as 3:12000, not \"%1\"").arg(text));
        filter.partition = p;
        filter.maxOffset = o;
    }
    return filter;
}

QHash<QString, models::ProcessedState> lookupProcessed(ProcessedLookup &lookup, const QList<models::DeadLetterRow> &rows)
{
    QHash<QString, models::ProcessedState> out;
    QHash<QString, QString> batch;
    auto flush = [&] {
        if (batch.isEmpty())
            return;
        out.insert(lookup.lookup(batch, PollControl::within(std::chrono::seconds(30))));
        batch.clear();
    };
    for (const auto &r : rows) {
        if (r.eventId.isEmpty())
            continue;
        batch.insert(r.eventId, r.originalTopic);
        if (batch.size() >= 1000)
            flush();
    }
    flush();
    return out;
}

} // namespace

int dlqListCommand(const QCommandLineParser &parser)
{
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return app::fail(loaded.error(), ExitUsage);
    const models::EnvironmentConfig &env = loaded->environment;
    const QString onlyFlow = parser.value(QStringLiteral("flow"));
    if (!onlyFlow.isEmpty() && !env.flow(onlyFlow))
        return app::fail(QStringLiteral("environment \"%1\" has no flow \"%2\"").arg(env.name, onlyFlow), ExitUsage);
    bool ok = false;
    const qint64 limit = parser.value(QStringLiteral("limit")).toLongLong(&ok);
    if (!ok || limit < 1 || limit > 1'000'000)
        return app::fail(QStringLiteral("--limit must be a number of dead letters from 1 to 1000000, not \"%1\"")
                             .arg(parser.value(QStringLiteral("limit"))),
                         ExitUsage);
    auto filter = parseFilter(parser);
    if (!filter)
        return app::fail(filter.error(), ExitUsage);

    QList<models::DlqListReport> reports;
    int status = ExitDone;
    for (const auto &flow : env.flows) {
        if (flow.deadLetterTopic.isEmpty() || (!onlyFlow.isEmpty() && flow.name != onlyFlow))
            continue;
        auto reader = DeadLetterReader::forFlow(env, flow.name);
        if (!reader) {
            app::fail(reader.error());
            status = ExitUsage;
            continue;
        }
        models::DlqListReport report;
        report.flow = flow.name;
        report.topic = flow.deadLetterTopic;
        report.filter = filter->describe();
        QList<models::DeadLetterRef> refs;
        if (filter->isEmpty()) {
            const models::DeadLetterLayout layout = (*reader)->layout(PollControl::within(std::chrono::seconds(30)));
            if (!layout.error.isEmpty()) {
                app::fail(QStringLiteral("flow %1: %2").arg(flow.name, layout.error));
                status = ExitUnreachable;
                if (layout.partitions.isEmpty())
                    continue;
            }
            report.retained = layout.total();
            refs = models::DeadLetterOrder(layout.topic, layout.partitions).refs(0, limit);
        } else {
            const models::DeadLetterScan scan = (*reader)->scan(*filter, PollControl{});
            if (!scan.error.isEmpty()) {
                app::fail(QStringLiteral("flow %1: %2").arg(flow.name, scan.error));
                status = ExitUnreachable;
                continue;
            }
            report.scanned = true;
            report.retained = scan.total;
            report.read = scan.read;
            report.matched = scan.matched;
            report.summary = scan.summary();
            report.gaps = scan.gaps();
            if (!scan.complete())
                status = ExitUnreachable;
            for (qsizetype i = 0; i < std::min<qsizetype>(scan.matches.size(), limit); ++i)
                refs.append({scan.topic, scan.matches[i].partition, scan.matches[i].offset});
        }
        QString error;
        const QList<models::DeadLetterRow> rows
            = (*reader)->rows(refs, PollControl::within(std::chrono::seconds(60)), &error);
        if (!error.isEmpty()) {
            app::fail(QStringLiteral("flow %1: %2").arg(flow.name, error));
            status = ExitUnreachable;
        }
        ProcessedLookup lookup(env, flow.name);
        const auto processed = lookupProcessed(lookup, rows);
        for (const auto &r : rows)
            report.rows.append({r, r.eventId.isEmpty() ? models::ProcessedState{} : processed.value(r.eventId)});
        reports.append(report);
    }
    if (reports.isEmpty() && status == ExitDone)
        return app::fail(QStringLiteral("environment \"%1\" has no flow with a dead-letter topic").arg(env.name), ExitUsage);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray flows;
        for (const auto &r : reports)
            flows.append(models::toJson(r));
        std::printf("%s\n", QJsonDocument(QJsonObject{{QStringLiteral("flows"), flows}}).toJson(QJsonDocument::Indented).constData());
    } else {
        for (const auto &r : reports)
            std::fputs(models::toText(r).toUtf8().constData(), stdout);
    }
    return status;
}

int dlqShowCommand(const QCommandLineParser &parser, const QString &position)
{
    const auto ref = models::DeadLetterRef::parse(position);
    if (!ref)
        return app::fail(QStringLiteral("say which dead letter as TOPIC:PARTITION:OFFSET, such as orders.dlq:0:1200, not \"%1\"")
                             .arg(position),
                         ExitUsage);
    auto loaded = loadEnvironment(parser);
    if (!loaded)
        return app::fail(loaded.error(), ExitUsage);
    const models::EnvironmentConfig &env = loaded->environment;
    QString flowName = parser.value(QStringLiteral("flow"));
    if (flowName.isEmpty()) {
        for (const auto &f : env.flows) {
            if (f.deadLetterTopic == ref->topic) {
                flowName = f.name;
                break;
            }
        }
        if (flowName.isEmpty())
            return app::fail(QStringLiteral("no flow of environment \"%1\" has the dead-letter topic %2; name the flow "
                                            "with --flow")
                                 .arg(env.name, ref->topic),
                             ExitUsage);
    }
    auto reader = DeadLetterReader::forFlow(env, flowName);
    if (!reader)
        return app::fail(reader.error(), ExitUsage);
    const models::DeadLetterRecord record = (*reader)->record(*ref, PollControl::within(std::chrono::seconds(30)));
    if (!record.error.isEmpty())
        return app::fail(QStringLiteral("%1: %2").arg(ref->text(), record.error), ExitUnreachable);
    if (!record.message)
        return app::fail(QStringLiteral("%1 is not retained (past retention, compacted, or not written yet)").arg(ref->text()),
                         ExitNotFound);
    models::DlqShowReport report;
    report.flow = flowName;
    report.row = record.row;
    report.record = record.view;
    if (!report.row.eventId.isEmpty()) {
        ProcessedLookup lookup(env, flowName);
        report.processed = lookup.lookup({{report.row.eventId, report.row.originalTopic}},
                                         PollControl::within(std::chrono::seconds(30)))
                               .value(report.row.eventId);
    }
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", QJsonDocument(models::toJson(report)).toJson(QJsonDocument::Indented).constData());
    else
        std::fputs(models::toText(report).toUtf8().constData(), stdout);
    return ExitDone;
}

} // namespace idem::ctl
