// Test connection for PostgreSQL (connectionprobe.h), and the store mapping
// assistant's reads: information_schema and sample rows, read-only.

#include "connectors/probe/connectionprobe.h"

#include "connectors/common/secrets.h"
#include "connectors/postgres/pgconninfo.h"
#include "connectors/postgres/pgsession.h"

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <QElapsedTimer>
#include <QHostAddress>
#include <QHostInfo>
#include <QTcpSocket>

namespace idem::connectors::probe {

using postgres::PgSession;
using postgres::PgSessionOptions;

namespace {

// What libpq will use: the string's keywords completed by the service file,
// the environment and libpq's defaults. Read without connecting (a
// connection is started and dropped at once; only its options are kept).
struct Effective
{
    QString host;
    QString hostaddr;
    QString port;
    QString dbname;
    QString user;
    QString sslmode;
};

Result<Effective> effectiveOptions(const QString &conninfo)
{
    PGconn *conn = PQconnectStart(conninfo.toUtf8().constData());
    if (!conn)
        return makeError(QStringLiteral("out of memory"));
    Effective out;
    if (PQstatus(conn) == CONNECTION_BAD && !PQhost(conn)) {
        const QString why = scrubSecrets(QString::fromUtf8(PQerrorMessage(conn)).trimmed());
        PQfinish(conn);
        return makeError(why);
    }
    if (PQconninfoOption *options = PQconninfo(conn)) {
        for (PQconninfoOption *o = options; o->keyword; ++o) {
            if (!o->val)
                continue;
            const QString key = QString::fromUtf8(o->keyword);
            const QString value = QString::fromUtf8(o->val);
            if (key == u"host") out.host = value;
            else if (key == u"hostaddr") out.hostaddr = value;
            else if (key == u"port") out.port = value;
            else if (key == u"dbname") out.dbname = value;
            else if (key == u"user") out.user = value;
            else if (key == u"sslmode") out.sslmode = value;
        }
        PQconninfoFree(options);
    }
    PQfinish(conn);
    return out;
}

QString firstOf(const QString &list)
{
    return list.section(u',', 0, 0).trimmed();
}

// Reads how the failed connect failed, into the step it belongs to.
void classifyConnectError(models::ProbeReport &report, const QString &error, const Effective &e, bool tlsAsked)
{
    const QString lower = error.toLower();
    const QString user = e.user.isEmpty() ? QStringLiteral("(default)") : e.user;
    if (lower.contains(u"ssl") || lower.contains(u"certificate") || lower.contains(u"tls")) {
        report.fail(step::tls, error);
        return;
    }
    if (tlsAsked)
        report.pass(step::tls, QStringLiteral("no TLS error reported (sslmode=%1)").arg(e.sslmode));
    else
        report.skip(step::tls, QStringLiteral("not required (sslmode=%1)").arg(e.sslmode.isEmpty() ? QStringLiteral("prefer") : e.sslmode));
    if (lower.contains(u"password authentication failed")) {
        report.fail(step::authentication,
                    QStringLiteral("the server refused the password of user %1: check the password in .pgpass, "
                                   "PGPASSWORD, the service file or the ${…} reference")
                        .arg(user));
        return;
    }
    if (lower.contains(u"no password supplied")) {
        report.fail(step::authentication,
                    QStringLiteral("the server asks user %1 for a password and none was given: add it to .pgpass or "
                                   "the service file, or write password=${NAME} or ${keychain:NAME}")
                        .arg(user));
        return;
    }
    if (lower.contains(u"authentication failed") || lower.contains(u"pg_hba.conf") || lower.contains(u"role ")) {
        report.fail(step::authentication, error);
        return;
    }
    if (lower.contains(u"database") && lower.contains(u"does not exist")) {
        report.pass(step::authentication, QStringLiteral("user %1 accepted").arg(user));
        report.fail(step::database, QStringLiteral("database %1 does not exist on %2:%3; check dbname")
                                        .arg(e.dbname, firstOf(e.host), firstOf(e.port)));
        return;
    }
    report.fail(step::authentication, error);
}

PgSessionOptions sessionOptions(const QString &label, bool readOnly, int statementTimeoutMs)
{
    PgSessionOptions options;
    options.label = label;
    options.readOnly = readOnly;
    options.statementTimeoutMs = statementTimeoutMs;
    options.connectTimeoutSeconds = 5;
    return options;
}

// The steps before an authorization check; returns the open session, or null when a step failed.
std::unique_ptr<PgSession> connectSteps(models::ProbeReport &report, const QString &connection,
                                        const PgSessionOptions &options, const PollControl &control,
                                        qint64 *connectNs)
{
    auto conninfo = postgres::buildConnectionString(connection);
    if (!conninfo) {
        report.fail(step::settings, conninfo.error());
        return nullptr;
    }
    auto effective = effectiveOptions(*conninfo);
    if (!effective) {
        report.fail(step::settings, effective.error());
        return nullptr;
    }
    const Effective &e = *effective;
    const QString host = firstOf(e.host);
    const QString port = firstOf(e.port).isEmpty() ? QStringLiteral("5432") : firstOf(e.port);
    report.pass(step::settings, QStringLiteral("host %1, port %2, database %3, user %4, sslmode %5")
                                    .arg(host.isEmpty() ? QStringLiteral("(local socket)") : host, port, e.dbname,
                                         e.user, e.sslmode.isEmpty() ? QStringLiteral("prefer") : e.sslmode));

    QHostAddress address;
    if (!e.hostaddr.isEmpty() && address.setAddress(firstOf(e.hostaddr))) {
        report.pass(step::nameResolution, QStringLiteral("hostaddr %1 given, nothing to resolve").arg(address.toString()));
    } else if (host.isEmpty() || host.startsWith(u'/') || host.startsWith(u'@')) {
        report.skip(step::nameResolution, QStringLiteral("a Unix-domain socket, nothing to resolve"));
        report.skip(step::tcp, QStringLiteral("a Unix-domain socket"));
    } else if (address.setAddress(host)) {
        report.pass(step::nameResolution, QStringLiteral("%1 is an address").arg(host));
    } else {
        const QHostInfo info = QHostInfo::fromName(host);
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            report.fail(step::nameResolution, QStringLiteral("cannot resolve %1 (%2)").arg(host, info.errorString()));
            return nullptr;
        }
        address = info.addresses().constFirst();
        report.pass(step::nameResolution, QStringLiteral("%1 → %2").arg(host, address.toString()));
    }
    if (!address.isNull()) {
        QTcpSocket socket;
        QElapsedTimer timer;
        timer.start();
        socket.connectToHost(address, quint16(port.toUInt()));
        if (!socket.waitForConnected(int(std::clamp<qint64>(control.remaining().count(), 1, 5000)))) {
            report.fail(step::tcp, QStringLiteral("%1:%2: %3")
                                       .arg(address.toString(), port,
                                            socket.error() == QAbstractSocket::SocketTimeoutError
                                                ? QStringLiteral("no answer within 5 s")
                                                : socket.errorString()));
            return nullptr;
        }
        *connectNs = timer.nsecsElapsed();
        report.pass(step::tcp, QStringLiteral("%1:%2 in %3").arg(address.toString(), port, milliseconds(*connectNs)));
        socket.abort();
    }

    PgSessionOptions opts = options;
    auto session = std::make_unique<PgSession>(connection, opts);
    if (const Status connected = session->connect(control); !connected) {
        QString error = connected.error();
        // "store billing: cannot connect: …": the step names the target already.
        if (const qsizetype at = error.indexOf(QLatin1String("cannot connect: ")); at >= 0)
            error = error.mid(at + 16);
        const bool tlsAsked = e.sslmode == u"require" || e.sslmode.startsWith(u"verify");
        classifyConnectError(report, error, e, tlsAsked);
        return nullptr;
    }
    return session;
}

struct SignedIn
{
    QString user;
    QString database;
    QString version;
    bool ssl = false;
    QString sslVersion;
};

} // namespace

static models::ProbeReport probeDatabase(const QString &target, const QString &connection,
                                         const models::StoreConfig *store, const PollControl &control)
{
    models::ProbeReport report;
    report.target = target;
    qint64 connectNs = -1;
    const int timeout = store ? store->statementTimeoutMs : 5000;
    auto session = connectSteps(report, connection, sessionOptions(target, store != nullptr, timeout), control, &connectNs);
    if (!session)
        return report;

    SignedIn who;
    QElapsedTimer timer;
    timer.start();
    const Status read = session->run(control, [&](pqxx::transaction_base &tx) {
        const pqxx::row row = tx.exec1(
            "SELECT current_user, current_database(), current_setting('server_version'), "
            "coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false), "
            "coalesce((SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()), '')");
        who = {QString::fromStdString(row[0].as<std::string>()), QString::fromStdString(row[1].as<std::string>()),
               QString::fromStdString(row[2].as<std::string>()), row[3].as<bool>(),
               QString::fromStdString(row[4].as<std::string>())};
    });
    const qint64 roundTrip = timer.nsecsElapsed();
    if (!read) {
        report.fail(step::authentication, read.error());
        return report;
    }
    report.pass(step::tls, who.ssl ? QStringLiteral("%1 in use").arg(who.sslVersion)
                                   : QStringLiteral("not in use (the server or sslmode did not ask for it)"));
    report.pass(step::authentication, QStringLiteral("connected as %1").arg(who.user));
    report.pass(step::database, QStringLiteral("%1 (PostgreSQL %2)").arg(who.database, who.version));

    QStringList readable;
    QStringList problems;
    const Status checked = session->run(control, [&](pqxx::transaction_base &tx) {
        if (store) {
            const auto check = [&](const models::TableMapping &mapping, const QStringList &logicals) {
                auto name = postgres::parseTableName(mapping.table);
                if (!name) {
                    problems << name.error();
                    return;
                }
                QStringList columns;
                for (const QString &logical : logicals)
                    columns << postgres::quoteIdentifier(mapping.column(logical));
                try {
                    pqxx::subtransaction sub(dynamic_cast<pqxx::dbtransaction &>(tx), "probe");
                    sub.exec("SELECT " + columns.join(QStringLiteral(", ")).toStdString() + " FROM "
                             + name->quoted().toStdString() + " LIMIT 0");
                    sub.commit();
                    readable << mapping.table;
                } catch (const pqxx::sql_error &e) {
                    const QString what = QString::fromUtf8(e.what()).section(u'\n', 0, 0).trimmed();
                    const std::string state = e.sqlstate();
                    if (state == "42501")
                        problems << QStringLiteral("SELECT on %1 denied to %2").arg(mapping.table, who.user);
                    else if (state == "42P01")
                        problems << QStringLiteral("table %1 does not exist").arg(mapping.table);
                    else if (state == "42703")
                        problems << QStringLiteral("%1: %2; map the column in the store's mapping").arg(mapping.table, what.section(QLatin1String("ERROR:"), -1).trimmed());
                    else
                        problems << QStringLiteral("%1: %2").arg(mapping.table, what);
                }
            };
            check(store->registry, models::registryColumnNames());
            check(store->attempts, models::attemptsColumnNames());
        } else {
            const pqxx::row row = tx.exec1(
                "SELECT to_regnamespace('idem') IS NOT NULL, coalesce((SELECT string_agg(rolname, ', ' ORDER BY rolname) "
                "FROM pg_roles WHERE rolname LIKE 'idem\\_%' AND pg_has_role(current_user, oid, 'member')), '')");
            if (!row[0].as<bool>())
                problems << QStringLiteral("schema idem does not exist: run idemctl ops migrate");
            else
                readable << QStringLiteral("schema idem");
            const QString roles = QString::fromStdString(row[1].as<std::string>());
            if (roles.isEmpty())
                problems << QStringLiteral("%1 is in none of the roles idem_viewer, idem_operator, idem_approver").arg(who.user);
            else
                readable << QStringLiteral("member of %1").arg(roles);
        }
    });
    if (!checked)
        problems << checked.error();
    if (!problems.isEmpty())
        report.fail(step::authorization, (problems + readable).join(QStringLiteral("; ")));
    else
        report.pass(step::authorization, store ? QStringLiteral("can read %1").arg(readable.join(QStringLiteral(" and ")))
                                               : readable.join(QStringLiteral("; ")));
    report.pass(step::roundTrip, QStringLiteral("%1first query %2")
                                     .arg(connectNs >= 0 ? QStringLiteral("TCP connect %1, ").arg(milliseconds(connectNs)) : QString(),
                                          milliseconds(roundTrip)));
    return report;
}

models::ProbeReport probeStore(const models::StoreConfig &store, const PollControl &control)
{
    return probeDatabase(QStringLiteral("store %1").arg(store.name), store.connection, &store, control);
}

models::ProbeReport probeOps(const models::OpsDatabaseConfig &ops, const PollControl &control)
{
    return probeDatabase(QStringLiteral("the ops database"), ops.connection, nullptr, control);
}

Result<QList<models::TableInfo>> describeStore(const models::StoreConfig &store, const PollControl &control)
{
    PgSession session(store.connection, sessionOptions(QStringLiteral("store %1").arg(store.name), true,
                                                       store.statementTimeoutMs));
    QList<models::TableInfo> tables;
    const Status read = session.run(control, [&](pqxx::transaction_base &tx) {
        const pqxx::result rows = tx.exec(
            "SELECT c.table_schema, c.table_name, c.column_name, c.data_type, "
            "  EXISTS (SELECT 1 FROM information_schema.table_constraints t "
            "          JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name "
            "           AND k.table_schema = t.table_schema AND k.table_name = t.table_name "
            "          WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema "
            "            AND t.table_name = c.table_name AND k.column_name = c.column_name) "
            "FROM information_schema.columns c "
            "JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name "
            "WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND tb.table_type IN ('BASE TABLE', 'VIEW') "
            "ORDER BY c.table_schema, c.table_name, c.ordinal_position LIMIT 5000");
        for (const auto &row : rows) {
            const QString schema = QString::fromStdString(row[0].as<std::string>());
            const QString table = QString::fromStdString(row[1].as<std::string>());
            if (tables.isEmpty() || tables.last().schema != schema || tables.last().name != table)
                tables.append({schema, table, {}});
            tables.last().columns.append({QString::fromStdString(row[2].as<std::string>()),
                                          QString::fromStdString(row[3].as<std::string>()), row[4].as<bool>()});
        }
    });
    if (!read)
        return makeError(read.error());
    return tables;
}

Result<SampleRows> sampleRows(const models::StoreConfig &store, const QString &table, const QStringList &columns,
                              int limit, const PollControl &control)
{
    auto name = postgres::parseTableName(table);
    if (!name)
        return makeError(name.error());
    if (columns.isEmpty())
        return makeError(QStringLiteral("no columns to show"));
    PgSession session(store.connection, sessionOptions(QStringLiteral("store %1").arg(store.name), true,
                                                       store.statementTimeoutMs));
    SampleRows out;
    out.columns = columns;
    QStringList quoted;
    for (const QString &c : columns)
        quoted << postgres::quoteIdentifier(c) + QStringLiteral("::text");
    const Status read = session.run(control, [&](pqxx::transaction_base &tx) {
        const pqxx::result rows = tx.exec_params(
            "SELECT " + quoted.join(QStringLiteral(", ")).toStdString() + " FROM " + name->quoted().toStdString()
                + " LIMIT $1",
            std::clamp(limit, 1, 100));
        for (const auto &row : rows) {
            QStringList values;
            for (const auto &field : row)
                values << (field.is_null() ? QStringLiteral("NULL") : QString::fromUtf8(field.c_str()).left(200));
            out.rows.append(values);
        }
    });
    if (!read)
        return makeError(read.error());
    return out;
}

} // namespace idem::connectors::probe
