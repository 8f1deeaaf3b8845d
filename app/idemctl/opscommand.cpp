// idemctl ops migrate | ops verify-audit: the ops database's schema and the
// audit chain. migrate connects as --user (the ops database's owner, who
// may create roles, schemas and tables).

#include "app/common/cli.h"
#include "app/idemctl/commandline.h"
#include "app/idemctl/commands.h"
#include "connectors/ops/migrations.h"
#include "connectors/ops/replaystore.h"
#include "connectors/postgres/pgsession.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>

namespace idem::ctl {

int opsCommand(const QCommandLineParser &parser, const QString &action)
{
    using namespace std::chrono_literals;
    auto ctx = opsContext(parser);
    if (!ctx)
        return app::fail(ctx.error(), ExitUsage);
    const bool json = parser.isSet(QStringLiteral("json"));
    if (action == QLatin1String("migrate")) {
        connectors::postgres::PgSessionOptions options;
        options.label = QStringLiteral("the ops database");
        options.statementTimeoutMs = 0;
        connectors::postgres::PgSession session(ctx->connection, options);
        auto report = connectors::ops::applyMigrations(session, connectors::PollControl::within(600s));
        if (!report)
            return app::fail(report.error(), ExitUnreachable);
        if (json) {
            QJsonArray list;
            for (const auto &m : report->migrations)
                list.append(QJsonObject{{QStringLiteral("version"), m.version},
                                        {QStringLiteral("name"), m.name},
                                        {QStringLiteral("applied"), m.applied}});
            std::printf("%s\n", QJsonDocument(QJsonObject{{QStringLiteral("migrations"), list},
                                                          {QStringLiteral("notes"), QJsonArray::fromStringList(report->notes)}})
                                    .toJson(QJsonDocument::Compact)
                                    .constData());
        } else {
            for (const auto &m : report->migrations)
                std::printf("%s %s\n", qPrintable(m.name), m.applied ? "applied" : "already applied");
            for (const auto &n : report->notes)
                std::printf("note: %s\n", qPrintable(n));
        }
        return ExitDone;
    }
    connectors::ops::ReplayStore store(ctx->connection);
    auto check = store.verifyAudit(connectors::PollControl::within(600s));
    if (!check)
        return app::fail(check.error(), store.refused() ? ExitUsage : ExitUnreachable);
    if (json)
        std::printf("%s\n", QJsonDocument(models::toJson(*check)).toJson(QJsonDocument::Compact).constData());
    else
        std::printf("%s\n", qPrintable(check->detail));
    return check->ok ? ExitDone : ExitFindings;
}

} // namespace idem::ctl
