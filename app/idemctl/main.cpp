// idemctl: Idem on the command line, for scripts and services.
//
//   idemctl [--config FILE] [--environment NAME] COMMAND [OPTIONS]
//   idemctl --help | idemctl COMMAND --help | idemctl help COMMAND
//
// The commands are listed in the table below; each lives in its own file
// (lagcommand.cpp, …) and renders a report from models/reports/. Exit
// statuses are the same for every command (commandline.h).

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/common/keychain.h"

#include <QCoreApplication>

#include <cstdio>

using namespace idem;

QList<ctl::CommandSpec> commandTable();

namespace {

int completionCommand(const QCommandLineParser &parser, const QString &what)
{
    if (what == QLatin1String("bash")) {
        std::fputs(ctl::bashCompletion(commandTable()).toUtf8().constData(), stdout);
        return ctl::ExitDone;
    }
    if (what != QLatin1String("flows") && what != QLatin1String("environments"))
        return app::fail(QStringLiteral("completion: say bash, flows or environments, not \"%1\"").arg(what), ctl::ExitUsage);
    auto loaded = ctl::loadEnvironment(parser);
    if (!loaded)
        return ctl::ExitUsage; // nothing to complete; completion stays quiet
    QStringList names;
    if (what == QLatin1String("flows")) {
        for (const auto &flow : loaded->environment.flows)
            names << flow.name;
    } else {
        for (const auto &env : loaded->config.environments)
            names << env.name;
    }
    std::fputs((names.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8().constData(), stdout);
    return ctl::ExitDone;
}

} // namespace

namespace {

ctl::CommandSpec replaySpec(const QString &action, const QString &arguments, const QString &summary,
                            const QStringList &options, const QString &json, const QString &example)
{
    return ctl::CommandSpec{{QStringLiteral("replay"), action}, arguments, summary, options, json,
                            QStringLiteral("0  done\n1  a system could not be read\n2  refused by the rules "
                                           "(self-approval, wrong role, expired, items changed), with the database's "
                                           "reason; or bad usage\n3  no such request\n4  the run ended without "
                                           "reaching done"),
                            example,
                            [action](const QCommandLineParser &parser, const QStringList &args) {
                                return ctl::replayCommand(parser, action, args);
                            }};
}

} // namespace

QList<ctl::CommandSpec> commandTable()
{
    using ctl::CommandSpec;
    auto noArguments = [](int (*run)(const QCommandLineParser &)) {
        return [run](const QCommandLineParser &parser, const QStringList &) { return run(parser); };
    };
    return {
        CommandSpec{{QStringLiteral("lag")}, {},
                    QStringLiteral("committed offset, watermarks, lag and status per group and partition; "
                                   "members per group where the cluster describes its groups"),
                    {QStringLiteral("flow"), QStringLiteral("polls"), QStringLiteral("interval"), QStringLiteral("json")},
                    QStringLiteral("flows[]: flow, cluster, notes[], groups[]\n"
                                   "  groups[]: group, lag, lag_seconds (source topics), retry_lag_seconds, status, members, state,\n"
                                   "            discovered, partitions[]\n"
                                   "  partitions[]: topic, partition, committed, low, high, lag, lag_share, lag_seconds, status\n"
                                   "null where unknown (nothing committed, record not readable)"),
                    QStringLiteral("0  done\n1  a cluster could not be read\n2  bad usage or configuration"),
                    QStringLiteral("idemctl lag --flow orders --polls 3 --json"),
                    noArguments(ctl::lagCommand)},
        CommandSpec{{QStringLiteral("health")}, {},
                    QStringLiteral("each connection's state, the four figures of each flow and each store's own figures"),
                    {QStringLiteral("polls"), QStringLiteral("interval"), QStringLiteral("json")},
                    QStringLiteral("connections[]: kind (cluster, store, ops), name, state, latency_ms, detail, notes[]\n"
                                   "flows[]: flow, status, worst_group, lag, retry_share, errors_per_minute, error_share,\n"
                                   "         dead_letters, window_seconds\n"
                                   "stores[]: store, processed, duplicates_skipped, retried, failed, dead_lettered, window_seconds"),
                    QStringLiteral("0  every connection answered\n1  a cluster, store or the ops database is down\n"
                                   "2  bad usage or configuration"),
                    QStringLiteral("idemctl --config /etc/idem/idem.yaml health --json"),
                    noArguments(ctl::healthCommand)},
        CommandSpec{{QStringLiteral("deadletters")}, {},
                    QStringLiteral("the newest dead letters of each flow grouped by failure, with decode errors"),
                    {QStringLiteral("flow"), QStringLiteral("newest"), QStringLiteral("json")},
                    QStringLiteral("flows[]: flow, topic, read, oldest, decode_errors {messages, failed, by_field, recent[]},\n"
                                   "         failures[]: failure, basis, exception_class, first_frame, cause, count,\n"
                                   "                     consumer_groups[], oldest, newest, example_event_id, example_error"),
                    QStringLiteral("0  done\n1  a cluster could not be read\n2  bad usage or configuration"),
                    QStringLiteral("idemctl deadletters --flow orders --newest 5000"),
                    noArguments(ctl::deadLettersCommand)},
        CommandSpec{{QStringLiteral("trace")}, QStringLiteral("EVENT_ID"),
                    QStringLiteral("follow one event_id across the flows' topics, consumer groups and stores, with a verdict"),
                    {QStringLiteral("flow"), QStringLiteral("from"), QStringLiteral("to"), QStringLiteral("budget"),
                     QStringLiteral("json")},
                    QStringLiteral("event_id, found, flows[], hops[]: kind, system, topic, partition, offset, time, status,\n"
                                   "  attempt, error, group (as they apply); scanned[] and not_scanned[]: topic, partition,\n"
                                   "  from, to (offsets, to exclusive), reason (retention, budget, cancel, deadline,\n"
                                   "  location_known, error); steps[]; verdict {code, text}"),
                    QStringLiteral("0  found\n1  error: a system could not be read, nothing found\n2  bad usage or configuration\n"
                                   "3  not found"),
                    QStringLiteral("idemctl trace orders-3-1200 --flow orders --from 2026-12-01T09:00Z --to 2026-12-01T10:00Z --json"),
                    [](const QCommandLineParser &parser, const QStringList &args) {
                        return ctl::traceCommand(parser, args.first());
                    }},
        CommandSpec{{QStringLiteral("reconcile")}, {},
                    QStringLiteral("why the numbers do not match: every event of a flow's source topics in a window "
                                   "against each group's store"),
                    {QStringLiteral("flow"), QStringLiteral("from"), QStringLiteral("to"), QStringLiteral("limit"),
                     QStringLiteral("json")},
                    QStringLiteral("flow, from, to; source {topics[], messages, events, copies, unreadable,\n"
                                   "  unreadable_reasons {}, not_read[], past_retention[], complete, note};\n"
                                   "groups[]: group, store, checked, error, source_events, copies, counts {processed,\n"
                                   "  dead_lettered, in_retry, pending, missing, extra, logical_duplicates}, event_ids {class:\n"
                                   "  [...], at most --limit each, processed left out}, extra_explanation, reconciled, verdict;\n"
                                   "complete, reconciled"),
                    QStringLiteral("0  every group reconciled (nothing missing, nothing extra)\n"
                                   "1  a system could not be read, or the source not entirely\n"
                                   "2  bad usage or configuration (a window in the future, --from after --to)\n"
                                   "4  differences found: events missing or rows extra"),
                    QStringLiteral("idemctl reconcile --flow orders --from -1d --to now --json"),
                    noArguments(ctl::reconcileCommand)},
        CommandSpec{{QStringLiteral("envelope"), QStringLiteral("detect")}, QStringLiteral("TOPIC"),
                    QStringLiteral("sample TOPIC and propose its envelope preset, with evidence"),
                    {QStringLiteral("cluster"), QStringLiteral("bootstrap"), QStringLiteral("samples"), QStringLiteral("json")},
                    QStringLiteral("topic, sampled, proposals[]: preset, score, sampled, readable, dead_letter, evidence[];\n"
                                   "pairing {source_topic, retry_topics[], dead_letter_topics[], evidence[]}, observations[]"),
                    QStringLiteral("0  done\n1  the cluster could not be read\n2  bad usage or configuration"),
                    QStringLiteral("idemctl --bootstrap localhost:9092 envelope detect orders.dlq --samples 200"),
                    [](const QCommandLineParser &parser, const QStringList &args) {
                        return ctl::envelopeDetectCommand(parser, args.first());
                    }},
        replaySpec(QStringLiteral("request"), {},
                   QStringLiteral("request a replay of dead letters (with a dry run against the stores); another "
                                  "person approves it"),
                   {QStringLiteral("flow"), QStringLiteral("offsets"), QStringLiteral("failure"), QStringLiteral("newest"),
                    QStringLiteral("reason"), QStringLiteral("target-topic"), QStringLiteral("json")},
                   QStringLiteral("id, items, send, skip"),
                   QStringLiteral("idemctl --user alice replay request --flow orders --offsets orders.dlq:0:42,orders.dlq:1:7 "
                                  "--reason \"gateway outage 09:10-09:25\" --json")),
        replaySpec(QStringLiteral("list"), {}, QStringLiteral("replay requests, newest first (expired ones marked)"),
                   {QStringLiteral("status"), QStringLiteral("json")},
                   QStringLiteral("requests[]: id, flow, reason, target_topic, requested_by, requested_at, expires_at, "
                                  "status,\n  items_hash, items, dry_run_skip, item_states{}, override_processed, "
                                  "approved_by, approved_at,\n  executor, claimed_at, finished_at, detail"),
                   QStringLiteral("idemctl replay list --status pending")),
        replaySpec(QStringLiteral("show"), QStringLiteral("ID"), QStringLiteral("a request with its items, dry run and decisions"),
                   {QStringLiteral("json")},
                   QStringLiteral("the fields of list, plus item_list[]: item, dead_letter, event_id, target_topic, "
                                  "dry_run,\n  dry_run_reason, state, produced_partition, produced_offset, detail; "
                                  "decisions[]: decided_by, decision,\n  comment, override_processed, at"),
                   QStringLiteral("idemctl replay show 12 --json")),
        replaySpec(QStringLiteral("approve"), QStringLiteral("ID"),
                   QStringLiteral("approve another person's request, after a fresh dry run, for the items as shown"),
                   {QStringLiteral("comment"), QStringLiteral("override-processed"), QStringLiteral("json")},
                   QStringLiteral("id, status, dry_run_skip"), QStringLiteral("idemctl --user bob replay approve 12 --comment ok")),
        replaySpec(QStringLiteral("reject"), QStringLiteral("ID"), QStringLiteral("reject another person's request, saying why"),
                   {QStringLiteral("comment"), QStringLiteral("json")}, QStringLiteral("id, status"),
                   QStringLiteral("idemctl --user bob replay reject 12 --comment \"wrong window\"")),
        replaySpec(QStringLiteral("cancel"), QStringLiteral("ID"), QStringLiteral("cancel one's own pending or approved request"),
                   {QStringLiteral("comment"), QStringLiteral("json")}, QStringLiteral("id, status"),
                   QStringLiteral("idemctl --user alice replay cancel 12")),
        replaySpec(QStringLiteral("run"), QStringLiteral("ID"),
                   QStringLiteral("execute an approved request exactly once (or resume one whose executor died), "
                                  "then confirm it in the stores"),
                   {QStringLiteral("rate"), QStringLiteral("verify-timeout"), QStringLiteral("json")},
                   QStringLiteral("id, status, attempt, resumed, items, sent, produced_now, found_from_earlier_run, "
                                  "skipped,\n  confirmed, failed, send_seconds, approved_at, claimed_at, "
                                  "first_produced_at, detail"),
                   QStringLiteral("idemctl --user alice replay run 12 --rate 200")),
        CommandSpec{{QStringLiteral("ops"), QStringLiteral("migrate")}, {},
                    QStringLiteral("apply the ops database's schema migrations it lacks (as its owner)"),
                    {QStringLiteral("json")}, QStringLiteral("migrations[]: version, name, applied; notes[]"),
                    QStringLiteral("0  done\n1  the ops database could not be migrated (an edited migration is refused)\n"
                                   "2  bad usage or configuration"),
                    QStringLiteral("idemctl --user idem_owner ops migrate"),
                    [](const QCommandLineParser &parser, const QStringList &) { return ctl::opsCommand(parser, QStringLiteral("migrate")); }},
        CommandSpec{{QStringLiteral("ops"), QStringLiteral("verify-audit")}, {},
                    QStringLiteral("check the audit log's hash chain; names the first broken row"),
                    {QStringLiteral("json")}, QStringLiteral("ok, checked, first_broken, detail"),
                    QStringLiteral("0  the chain is intact\n1  the ops database could not be read\n2  bad usage or "
                                   "configuration\n4  the chain is broken"),
                    QStringLiteral("idemctl ops verify-audit --json"),
                    [](const QCommandLineParser &parser, const QStringList &) { return ctl::opsCommand(parser, QStringLiteral("verify-audit")); }},
        CommandSpec{{QStringLiteral("index"), QStringLiteral("run")}, {},
                    QStringLiteral("feed the event index as a service: contend for the index lease and, while holding it, "
                                   "index every flow's source, retry and dead-letter topics; until SIGTERM or SIGINT"),
                    {}, {},
                    QStringLiteral("0  stopped by SIGTERM or SIGINT (the lease given up)\n2  bad usage or configuration"),
                    QStringLiteral("idemctl --user idem_indexer index run"),
                    [](const QCommandLineParser &parser, const QStringList &) { return ctl::indexCommand(parser, QStringLiteral("run")); }},
        CommandSpec{{QStringLiteral("index"), QStringLiteral("status")}, {},
                    QStringLiteral("who tails the event index, and each partition's coverage: from–to offsets and times, "
                                   "lag behind the high watermark"),
                    {QStringLiteral("json")},
                    QStringLiteral("holder, held, summary, retention_days, days[], partitions[]: topic, partition, flow,\n"
                                   "  from_offset, to_offset, from_time, to_time, high_watermark, lag, indexed, unreadable,\n"
                                   "  too_old, updated_at; problems[]"),
                    QStringLiteral("0  done\n1  the ops database or a cluster could not be read\n2  bad usage or configuration"),
                    QStringLiteral("idemctl index status --json"),
                    [](const QCommandLineParser &parser, const QStringList &) { return ctl::indexCommand(parser, QStringLiteral("status")); }},
        CommandSpec{{QStringLiteral("dlq"), QStringLiteral("list")}, {},
                    QStringLiteral("dead letters newest first with every column of the Dead letters page, including "
                                   "whether a store processed the event after all; a filter reads the whole topic"),
                    {QStringLiteral("flow"), QStringLiteral("failure"), QStringLiteral("from"), QStringLiteral("to"),
                     QStringLiteral("offset-from"), QStringLiteral("limit"), QStringLiteral("json")},
                    QStringLiteral("flows[]: flow, topic, retained, filter, scanned, read, matched, summary, not_read[],\n"
                                   "  rows[]: topic, partition, offset, dead_lettered_at, event_id, entity_key, event_type,\n"
                                   "          event_version, error_class, error, failure, attempts, consumer_group,\n"
                                   "          original_topic, original_partition, original_offset, size, decode_problems[],\n"
                                   "          processed (processed, not_processed, unknown, no_stores), processed_by[],\n"
                                   "          stores_down[], processed_text"),
                    QStringLiteral("0  done\n1  a cluster could not be read, or a filter could not read the whole topic\n"
                                   "2  bad usage or configuration"),
                    QStringLiteral("idemctl dlq list --flow orders --failure IllegalStateException --limit 20"),
                    noArguments(ctl::dlqListCommand)},
        CommandSpec{{QStringLiteral("dlq"), QStringLiteral("show")}, QStringLiteral("TOPIC:PARTITION:OFFSET"),
                    QStringLiteral("one dead letter in full: its columns, headers (text, hex, big-endian integers), "
                                   "key and payload (JSON pretty-printed, hex for binary, cut at 1 MiB)"),
                    {QStringLiteral("flow"), QStringLiteral("json")},
                    QStringLiteral("the fields of dlq list's rows, and flow, key {form, size, truncated, text},\n"
                                   "headers[]: name, form, size, truncated, text, big_endian; payload {…}, record_size"),
                    QStringLiteral("0  done\n1  the cluster could not be read\n2  bad usage or configuration\n"
                                   "3  no such dead letter is retained"),
                    QStringLiteral("idemctl dlq show orders.dlq:0:1200 --json"),
                    [](const QCommandLineParser &parser, const QStringList &args) {
                        return ctl::dlqShowCommand(parser, args.first());
                    }},
        CommandSpec{{QStringLiteral("alerts")}, {},
                    QStringLiteral("the alerts every console sees (open first, then past ones), with their "
                                   "acknowledgements, from the ops database"),
                    {QStringLiteral("open"), QStringLiteral("limit"), QStringLiteral("json")},
                    QStringLiteral("open, alerts[]: id, open, rule, flow, subject, severity, fired_at, resolved_at, "
                                   "worst, text,\n  acknowledgements[]: by, role, at, comment"),
                    QStringLiteral("0  no alert is open\n1  the ops database could not be read\n2  bad usage or "
                                   "configuration\n4  some alerts are open"),
                    QStringLiteral("idemctl alerts --open --json"), noArguments(ctl::alertsCommand)},
        CommandSpec{{QStringLiteral("watch")}, {},
                    QStringLiteral("the headless recorder: poll like a console and, while holding the ops database's "
                                   "recorder lease, write the shared history and record alerts (until SIGTERM)"),
                    {QStringLiteral("interval"), QStringLiteral("window")}, {},
                    QStringLiteral("0  stopped by SIGTERM, SIGINT or SIGHUP\n2  bad usage or configuration (no ops "
                                   "database)"),
                    QStringLiteral("idemctl --config /etc/idem/idem.yaml watch --interval 5"),
                    noArguments(ctl::watchCommand)},
        CommandSpec{{QStringLiteral("completion")}, QStringLiteral("bash|flows|environments"),
                    QStringLiteral("the bash completion script; or the flow or environment names of the configuration"),
                    {},
                    {},
                    QStringLiteral("0  done\n2  bad usage, or no configuration to name flows from"),
                    QStringLiteral("idemctl completion bash > ~/.local/share/bash-completion/completions/idemctl"),
                    [](const QCommandLineParser &parser, const QStringList &args) {
                        return completionCommand(parser, args.first());
                    }},
    };
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("idemctl"));
    QCoreApplication::setOrganizationName(QStringLiteral("idem"));
    connectors::allowKeychainWaitOnMainThread(); // no user interface waits here: ${keychain:NAME} reads may block
    return ctl::runCommandLine(commandTable(), app.arguments());
}
