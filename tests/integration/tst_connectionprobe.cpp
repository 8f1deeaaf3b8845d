// Proves "Test connection" and the store mapping assistant against real
// parts: librdkafka's mock cluster (success, a group whose Describe is
// denied), a closed port, a malformed bootstrap list, a throwaway PostgreSQL
// with a password user (wrong password, missing database, TLS required by a
// server without it, a service file with .pgpass), the sandbox's shipping
// store whose names differ (the right mapping is proposed) and a store with
// no event_id-like column. Each result is asserted in the words a person
// reads. Also: after a session that used a ${NAME} secret, neither the
// saved config nor the log file holds it.

#include "connectors/common/logging.h"
#include "connectors/config/configfile.h"
#include "connectors/kafka/mockkafka.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/probe/connectionprobe.h"
#include "connectors/sandbox/storedialect.h"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <QFile>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace idem;
using namespace idem::connectors;
using namespace idem::connectors::probe;
using models::ProbeStep;

namespace {

PollControl within20s()
{
    return PollControl::within(std::chrono::seconds(20));
}

quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

models::KafkaClusterConfig cluster(const QString &bootstrap)
{
    models::KafkaClusterConfig c;
    c.name = QStringLiteral("main");
    c.properties = {{QStringLiteral("bootstrap.servers"), bootstrap}};
    return c;
}

QString detail(const models::ProbeReport &report, const QString &name)
{
    const ProbeStep *s = report.step(name);
    return s ? s->detail : QStringLiteral("(no step %1)").arg(name);
}

ProbeStep::Outcome outcome(const models::ProbeReport &report, const QString &name)
{
    const ProbeStep *s = report.step(name);
    return s ? s->outcome : ProbeStep::Outcome::Skipped;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

const QString kPassword = QStringLiteral("Rt-9f2kq-secret");

} // namespace

class TestConnectionProbe final : public QObject
{
    Q_OBJECT

    std::unique_ptr<LocalPostgres> m_pg;
    std::unique_ptr<kafka::MockKafka> m_kafka;
    QTemporaryDir m_state;

    void admin(const QString &database, const std::string &sql)
    {
        pqxx::connection c(m_pg->connectionString(database).toStdString());
        pqxx::nontransaction tx(c);
        tx.exec(sql);
    }

    QString reader(const QString &database, const QString &password) const
    {
        return QStringLiteral("host=127.0.0.1 port=%1 dbname=%2 user=reader password=%3")
            .arg(m_pg->port())
            .arg(database, password);
    }

    models::StoreConfig shipping(const QString &connection) const
    {
        const auto dialect = sandbox::StoreDialect::inbox();
        models::StoreConfig store;
        store.name = QStringLiteral("shipping");
        store.connection = connection;
        store.registry.table = dialect.registryTable;
        store.registry.columns = dialect.registryColumns;
        store.attempts.table = dialect.attemptsTable;
        store.attempts.columns = dialect.attemptColumns;
        return store;
    }

private slots:
    void initTestCase()
    {
        qputenv("XDG_STATE_HOME", m_state.path().toUtf8());
        LoggingOptions logging;
        logging.appName = QStringLiteral("tst_connectionprobe");
        logging.level = QStringLiteral("debug");
        logging.toStderr = false;
        QCOMPARE(setupLogging(logging), QString());

        auto pg = LocalPostgres::start();
        QVERIFY2(pg, pg ? "" : qPrintable(pg.error()));
        m_pg = std::move(pg.value());
        admin(QStringLiteral("postgres"), "CREATE DATABASE shipping");
        admin(QStringLiteral("postgres"), "CREATE DATABASE odd");
        admin(QStringLiteral("postgres"), "CREATE ROLE reader LOGIN PASSWORD '" + kPassword.toStdString() + "'");
        admin(QStringLiteral("shipping"), sandbox::StoreDialect::inbox().createTablesSql().toStdString());
        admin(QStringLiteral("shipping"), "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader");
        admin(QStringLiteral("shipping"),
              "INSERT INTO inbox (message_id, state, tries) VALUES ('m-1', 'done', 1), ('m-2', 'retry', 2), "
              "('m-3', 'done', 1)");
        admin(QStringLiteral("odd"), "CREATE TABLE things (id serial PRIMARY KEY, name text, created_at timestamptz)");
        admin(QStringLiteral("odd"), "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader");

        auto kafka = kafka::MockKafka::start(1);
        QVERIFY2(kafka, kafka ? "" : qPrintable(kafka.error()));
        m_kafka = std::move(kafka.value());
        QVERIFY(m_kafka->createTopic(QStringLiteral("orders.events"), 3).ok());
    }

    void kafkaMockClusterSucceeds()
    {
        const auto report = probeCluster(cluster(m_kafka->bootstrapServers()), {QStringLiteral("orders.events")},
                                         {QStringLiteral("billing")}, within20s());
        QVERIFY2(report.ok(), qPrintable(report.text()));
        QCOMPARE(report.summary(), QStringLiteral("Test of cluster main: ok"));
        QCOMPARE(detail(report, step::settings), QStringLiteral("1 broker address(es), security.protocol PLAINTEXT"));
        QCOMPARE(outcome(report, step::tcp), ProbeStep::Outcome::Passed);
        QCOMPARE(detail(report, step::tls), QStringLiteral("not configured (security.protocol PLAINTEXT)"));
        QCOMPARE(detail(report, step::sasl), QStringLiteral("not configured"));
        QCOMPARE(detail(report, step::authorization),
                 QStringLiteral("metadata: 1 broker(s); topic orders.events: 3 partition(s); group billing: offsets "
                                "readable"));
        QVERIFY2(detail(report, step::roundTrip).startsWith(QStringLiteral("TCP connect ")),
                 qPrintable(detail(report, step::roundTrip)));
    }

    void kafkaGroupDescribeDenied()
    {
        m_kafka->pushRequestErrors(9 /* OffsetFetch */, {RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED});
        const auto report = probeCluster(cluster(m_kafka->bootstrapServers()), {QStringLiteral("orders.events")},
                                         {QStringLiteral("billing")}, within20s());
        m_kafka->clearRequestErrors(9 /* OffsetFetch */);
        QCOMPARE(report.summary(), QStringLiteral("Test of cluster main: failed at authorization"));
        QCOMPARE(detail(report, step::authorization),
                 QStringLiteral("Describe on group billing denied; metadata: 1 broker(s); topic orders.events: 3 "
                                "partition(s)"));
    }

    void kafkaClosedPort()
    {
        const quint16 port = closedPort();
        const auto report = probeCluster(cluster(QStringLiteral("127.0.0.1:%1").arg(port)), {}, {}, within20s());
        QCOMPARE(report.summary(), QStringLiteral("Test of cluster main: failed at tcp connect"));
        QCOMPARE(detail(report, step::nameResolution), QStringLiteral("127.0.0.1 is an address"));
        QCOMPARE(detail(report, step::tcp),
                 QStringLiteral("no broker accepts a connection: 127.0.0.1:%1: Connection refused").arg(port));
    }

    void kafkaMalformedBootstrap_data()
    {
        QTest::addColumn<QString>("bootstrap");
        QTest::addColumn<QString>("message");
        QTest::newRow("no port") << "kafka-1"
                                 << "bootstrap.servers entry \"kafka-1\" has no port; write host:port, e.g. kafka-1:9092";
        QTest::newRow("two commas") << "a:1,,b:2"
                                    << "bootstrap.servers has an empty entry (two commas in a row, or one at an end); "
                                       "write host:port, several separated by commas (kafka-1:9092,kafka-2:9092)";
        QTest::newRow("port out of range") << "a:99999"
                                           << "bootstrap.servers entry \"a:99999\" has no valid port (a number from 1 "
                                              "to 65535)";
        QTest::newRow("space") << "a:1 b:2" << "bootstrap.servers entry \"a:1 b:2\" holds a space; separate entries "
                                               "with commas";
        QTest::newRow("empty") << "" << "bootstrap.servers is empty; write host:port, several separated by commas "
                                        "(kafka-1:9092,kafka-2:9092)";
    }

    void kafkaMalformedBootstrap()
    {
        QFETCH(QString, bootstrap);
        QFETCH(QString, message);
        const auto report = probeCluster(cluster(bootstrap), {}, {}, within20s());
        QCOMPARE(report.summary(), QStringLiteral("Test of cluster main: failed at settings"));
        QCOMPARE(detail(report, step::settings), message);
        QCOMPARE(report.steps.size(), 1);
    }

    void postgresWrongPassword()
    {
        const auto report = probeStore(shipping(reader(QStringLiteral("shipping"), QStringLiteral("not-it"))), within20s());
        QCOMPARE(report.summary(), QStringLiteral("Test of store shipping: failed at authentication"));
        QCOMPARE(outcome(report, step::tcp), ProbeStep::Outcome::Passed);
        QCOMPARE(detail(report, step::authentication),
                 QStringLiteral("the server refused the password of user reader: check the password in .pgpass, "
                                "PGPASSWORD, the service file or the ${…} reference"));
        QVERIFY(!report.text().contains(QStringLiteral("not-it")));
    }

    void postgresMissingDatabase()
    {
        const auto report = probeStore(shipping(reader(QStringLiteral("nope"), kPassword)), within20s());
        QCOMPARE(report.summary(), QStringLiteral("Test of store shipping: failed at database"));
        QCOMPARE(detail(report, step::authentication), QStringLiteral("user reader accepted"));
        QCOMPARE(detail(report, step::database),
                 QStringLiteral("database nope does not exist on 127.0.0.1:%1; check dbname").arg(m_pg->port()));
    }

    void postgresClosedPort()
    {
        const quint16 port = closedPort();
        models::StoreConfig store = shipping(QStringLiteral("host=127.0.0.1 port=%1 dbname=x user=reader").arg(port));
        const auto report = probeStore(store, within20s());
        QCOMPARE(report.summary(), QStringLiteral("Test of store shipping: failed at tcp connect"));
        QCOMPARE(detail(report, step::tcp), QStringLiteral("127.0.0.1:%1: Connection refused").arg(port));
    }

    void postgresTlsRequiredButNotOffered()
    {
        const auto report = probeStore(
            shipping(reader(QStringLiteral("shipping"), kPassword) + QStringLiteral(" sslmode=require")), within20s());
        QCOMPARE(report.summary(), QStringLiteral("Test of store shipping: failed at tls handshake"));
        QVERIFY2(detail(report, step::tls).contains(QStringLiteral("server does not support SSL, but SSL was required")),
                 qPrintable(detail(report, step::tls)));
    }

    // The service file and .pgpass are libpq's: the connection names neither host nor password.
    void postgresServiceFileAndPgpass()
    {
        QTemporaryDir dir;
        const QString services = dir.filePath(QStringLiteral("pg_service.conf"));
        const QString passfile = dir.filePath(QStringLiteral("pgpass"));
        QFile s(services);
        QVERIFY(s.open(QIODevice::WriteOnly));
        s.write(QStringLiteral("[idem-shipping]\nhost=127.0.0.1\nport=%1\ndbname=shipping\nuser=reader\nsslmode=disable\n")
                    .arg(m_pg->port())
                    .toUtf8());
        s.close();
        QFile p(passfile);
        QVERIFY(p.open(QIODevice::WriteOnly));
        p.write(QStringLiteral("127.0.0.1:%1:shipping:reader:%2\n").arg(m_pg->port()).arg(kPassword).toUtf8());
        p.close();
        p.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        qputenv("PGSERVICEFILE", services.toUtf8());
        qputenv("PGPASSFILE", passfile.toUtf8());
        const auto report = probeStore(shipping(QStringLiteral("service=idem-shipping")), within20s());
        qunsetenv("PGSERVICEFILE");
        qunsetenv("PGPASSFILE");
        QVERIFY2(report.ok(), qPrintable(report.text()));
        QCOMPARE(detail(report, step::settings),
                 QStringLiteral("host 127.0.0.1, port %1, database shipping, user reader, sslmode disable").arg(m_pg->port()));
        QCOMPARE(detail(report, step::authentication), QStringLiteral("connected as reader"));
        QCOMPARE(detail(report, step::authorization), QStringLiteral("can read inbox and inbox_log"));
        QCOMPARE(detail(report, step::tls), QStringLiteral("not in use (the server or sslmode did not ask for it)"));
    }

    void mappingAssistantOnShipping()
    {
        const auto store = shipping(reader(QStringLiteral("shipping"), kPassword));
        auto tables = describeStore(store, within20s());
        QVERIFY2(tables, tables ? "" : qPrintable(tables.error()));
        const auto proposal = models::proposeMapping(*tables);
        QVERIFY2(proposal.ok(), qPrintable(proposal.error));
        const auto dialect = sandbox::StoreDialect::inbox();
        QCOMPARE(proposal.registryTable, QStringLiteral("inbox"));
        QCOMPARE(proposal.attemptsTable, QStringLiteral("inbox_log"));
        QCOMPARE(proposal.registryMapping().columns, dialect.registryColumns);
        QCOMPARE(proposal.attemptsMapping().columns, dialect.attemptColumns);
        QCOMPARE(proposal.notes, QStringList());

        auto rows = sampleRows(store, QStringLiteral("inbox"), {QStringLiteral("message_id"), QStringLiteral("state")}, 2,
                               within20s());
        QVERIFY2(rows, rows ? "" : qPrintable(rows.error()));
        QCOMPARE(rows->rows.size(), 2);
        QCOMPARE(rows->rows[0].size(), 2);
    }

    void mappingAssistantWithoutEventId()
    {
        models::StoreConfig store = shipping(reader(QStringLiteral("odd"), kPassword));
        auto tables = describeStore(store, within20s());
        QVERIFY2(tables, tables ? "" : qPrintable(tables.error()));
        const auto proposal = models::proposeMapping(*tables);
        QCOMPARE(proposal.error,
                 QStringLiteral("no table has a column that looks like an event id (event_id, message_id, msg_id, "
                                "event_uuid, eventid) in things; Idem needs the column that holds each processed "
                                "event's id: map the registry by hand"));
    }

    // After a session that used a secret from the environment, neither the saved config nor the log holds it.
    void secretStaysOutOfConfigAndLog()
    {
        qputenv("IDEM_TST_PROBE_PW", kPassword.toUtf8());
        models::Config config;
        models::EnvironmentConfig env;
        env.name = QStringLiteral("e");
        env.stores.append(shipping(reader(QStringLiteral("shipping"), QStringLiteral("${IDEM_TST_PROBE_PW}"))));
        config.environments.append(env);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QVERIFY(saveConfig(config, path).ok());
        const auto ok = probeStore(env.stores[0], within20s());
        QVERIFY2(ok.ok(), qPrintable(ok.text()));
        // A failing session logs its error: the secret is scrubbed from it as well.
        const auto failed = probeStore(shipping(reader(QStringLiteral("nope"), QStringLiteral("${IDEM_TST_PROBE_PW}"))),
                                       within20s());
        QVERIFY(!failed.ok());
        logger("postgres")->warn("a line that names the password {}", kPassword.toStdString());
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) { l->flush(); });
        const QByteArray log = readAll(logFilePath());
        QVERIFY2(log.contains("a line that names the password ***"), log.constData());
        QVERIFY(!log.contains(kPassword.toUtf8()));
        QVERIFY(!readAll(path).contains(kPassword.toUtf8()));
        QVERIFY(readAll(path).contains("${IDEM_TST_PROBE_PW}"));
        QVERIFY(!failed.text().contains(kPassword));
    }
};

QTEST_GUILESS_MAIN(TestConnectionProbe)
#include "tst_connectionprobe.moc"
