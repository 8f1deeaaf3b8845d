// idemctl alerts: the alerts every console sees, from the ops database.
// idemctl watch: the headless recorder (the systemd unit
// packaging/systemd/idemctl-watch.service runs it): it polls the
// environment like a console, holds or waits for the recorder lease, writes
// the shared history and records alerts while it holds it; SIGTERM, SIGINT
// and SIGHUP stop it cleanly (the lease is given up for the next contender).

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "connectors/common/logging.h"
#include "connectors/monitor/livemonitor.h"
#include "connectors/ops/metrichistory.h"
#include "connectors/ops/metricrecorder.h"
#include "connectors/ops/opslease.h"
#include "connectors/postgres/pgsession.h"
#include "models/reports/alertsreport.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QSocketNotifier>

#include <cstdio>

namespace idem::ctl {

int alertsCommand(const QCommandLineParser &parser)
{
    using namespace std::chrono_literals;
    auto ctx = opsContext(parser);
    if (!ctx)
        return app::fail(ctx.error(), ExitUsage);
    connectors::postgres::PgSession session(ctx->connection,
                                            {QStringLiteral("the ops database"), true, 10000});
    models::AlertsReport report;
    report.openOnly = parser.isSet(QStringLiteral("open"));
    auto alerts = connectors::ops::readAlerts(session, connectors::PollControl::within(20s), report.openOnly,
                                              parser.value(QStringLiteral("limit")).toInt() > 0
                                                  ? parser.value(QStringLiteral("limit")).toInt()
                                                  : 100);
    if (!alerts)
        return app::fail(alerts.error(), ExitUnreachable);
    report.alerts = *alerts;
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", QJsonDocument(models::toJson(report)).toJson(QJsonDocument::Compact).constData());
    else
        std::printf("%s\n", qPrintable(models::toText(report)));
    return report.openCount() > 0 ? ExitFindings : ExitDone;
}

int watchCommand(const QCommandLineParser &parser)
{
    auto ctx = opsContext(parser);
    if (!ctx)
        return app::fail(ctx.error(), ExitUsage);
    bool ok = false;
    const double interval = parser.value(QStringLiteral("interval")).toDouble(&ok);
    if (!ok || interval < 0.5 || interval > 600)
        return app::fail(QStringLiteral("--interval must be between 0.5 and 600 seconds, not \"%1\"")
                             .arg(parser.value(QStringLiteral("interval"))),
                         ExitUsage);
    const double window = parser.value(QStringLiteral("window")).toDouble(&ok);
    if (!ok || window < 1 || window > 3600)
        return app::fail(QStringLiteral("--window must be between 1 and 3600 seconds, not \"%1\"")
                             .arg(parser.value(QStringLiteral("window"))),
                         ExitUsage);
    models::EnvironmentConfig env = ctx->loaded.environment;
    env.ops->connection = ctx->connection;

    // SIGTERM, SIGINT and SIGHUP end the event loop; the recorder then gives the lease up.
    const std::unique_ptr<QSocketNotifier> stops = app::quitOnStopSignals(*QCoreApplication::instance());
    auto log = connectors::logger("app");
    int code = ExitDone;
    {
        connectors::LiveMonitor monitor(env, std::chrono::milliseconds(qRound64(interval * 1000)));
        connectors::ops::MetricRecorder recorder(
            env, connectors::ops::RecorderOptions{connectors::ops::defaultLeaseHolderName(QStringLiteral("idemctl watch")),
                                                  std::chrono::milliseconds(qRound64(window * 1000))});
        QObject::connect(&monitor, &connectors::LiveMonitor::lagSnapshot, &recorder,
                         &connectors::ops::MetricRecorder::recordSnapshot);
        QObject::connect(&monitor, &connectors::LiveMonitor::storeFigures, &recorder,
                         &connectors::ops::MetricRecorder::recordStore);
        QObject::connect(&recorder, &connectors::ops::MetricRecorder::recorded, &recorder,
                         [&](const connectors::ops::RecordOutcome &o) {
                             if (o.alerts.fired || o.alerts.resolved)
                                 log->info("alerts: {} fired, {} resolved", o.alerts.fired, o.alerts.resolved);
                         });
        log->info("watching environment {} ({} flows) every {} s; recording while this holds the recorder lease",
                  env.name.toStdString(), env.flows.size(), interval);
        monitor.start();
        code = QCoreApplication::exec();
    } // the recorder gives the lease up, the monitor stops within its bounded wait
    log->info("stopped");
    return code == 0 ? ExitDone : ExitUnreachable;
}

} // namespace idem::ctl
