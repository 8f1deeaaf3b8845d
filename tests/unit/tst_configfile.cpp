// Proves the one configuration format: every kind of bad file is rejected
// with FILE:LINE:COLUMN and what was expected, secrets never show up in those
// messages, defaults fill what is left out, ${ENV} references expand as
// documented, writing and reading back loses nothing, and the annotated
// example file is valid.

#include "connectors/config/configfile.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/config/kafkasafety.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <sys/types.h>

using namespace idem;
using namespace idem::models;
using idem::connectors::VariableCheck;

namespace {

const QString kSource = QStringLiteral("idem.yaml");

// A small valid environment the error cases change one thing of.
QByteArray withFlow(const QByteArray &flow)
{
    return "version: 1\n"
           "environments:\n"
           "  sandbox:\n"
           "    kafka:\n"
           "      main:\n"
           "        bootstrap.servers: 127.0.0.1:9092\n"
           "    stores:\n"
           "      billing:\n"
           "        connection: service=billing\n"
           "    flows:\n"
           "      orders:\n"
        + flow;
}

QByteArray withStore(const QByteArray &store)
{
    return "version: 1\n"
           "environments:\n"
           "  sandbox:\n"
           "    stores:\n"
           "      billing:\n"
        + store;
}

QByteArray withCluster(const QByteArray &cluster)
{
    return "version: 1\n"
           "environments:\n"
           "  sandbox:\n"
           "    kafka:\n"
           "      main:\n"
        + cluster;
}

Config sampleConfig()
{
    KafkaClusterConfig cluster;
    cluster.name = QStringLiteral("main");
    cluster.properties = {
        { QStringLiteral("bootstrap.servers"), QStringLiteral("b1:9092,b2:9092") },
        { QStringLiteral("security.protocol"), QStringLiteral("SASL_SSL") },
        { QStringLiteral("sasl.password"), QStringLiteral("${IDEM_TEST_PW:-}") },
        { QStringLiteral("enable.auto.commit"), QStringLiteral("false") },
        { QStringLiteral("client.id"), QStringLiteral("null") },
        { QStringLiteral("ssl.ca.location"), QString() },
        { QStringLiteral("x.odd"), QStringLiteral(" spaced: #not a comment ") },
        { QStringLiteral("x.multiline"), QStringLiteral("line one\nline \"two\"") },
        { QStringLiteral("x.unicode"), QStringLiteral("B\u00e4ckerei \u2013 $$ 5") },
        { QStringLiteral("x.number"), QStringLiteral("007") },
    };

    StoreConfig billing;
    billing.name = QStringLiteral("billing");
    billing.connection = QStringLiteral("host=db port=5432 dbname=billing user=r");
    billing.statementTimeoutMs = 1500;
    billing.registry.table = QStringLiteral("billing.processed");
    billing.registry.columns[QStringLiteral("entity_key")] = QStringLiteral("order_id");
    billing.attempts.columns[QStringLiteral("at")] = QStringLiteral("attempted_at");
    billing.outcomeValues[QStringLiteral("duplicate_skipped")] = QStringLiteral("DUP");

    StoreConfig plain;
    plain.name = QStringLiteral("plain store");
    plain.connection = QStringLiteral("service=plain");

    FlowConfig orders;
    orders.name = QStringLiteral("orders");
    orders.cluster = cluster.name;
    orders.topics = { QStringLiteral("orders.events"), QStringLiteral("orders.legacy") };
    orders.retryTopics = { QStringLiteral("orders.retry.1m") };
    orders.deadLetterTopic = QStringLiteral("orders.dlq");
    orders.groups = { { QStringLiteral("billing"), billing.name },
                      { QStringLiteral("audit"), QString() },
                      { QStringLiteral("plain"), plain.name } };
    orders.envelope.preset = QStringLiteral("custom");
    orders.envelope.fields[QStringLiteral("event_id")] = QStringLiteral("payload:/id");
    orders.envelope.fields[QStringLiteral("entity_key")] = QStringLiteral("key");
    orders.deadLetterEnvelope.fields[QStringLiteral("error")] = QStringLiteral("header:x-error");

    FlowConfig minimal;
    minimal.name = QStringLiteral("minimal");
    minimal.cluster = cluster.name;
    minimal.topics = { QStringLiteral("t") };

    EnvironmentConfig sandbox;
    sandbox.name = QStringLiteral("sandbox");
    sandbox.clusters = { cluster };
    sandbox.stores = { billing, plain };
    sandbox.flows = { orders, minimal };
    sandbox.ops = OpsDatabaseConfig { QStringLiteral("host=ops dbname=idem_ops") };
    sandbox.band = models::EnvironmentBand { QStringLiteral("SANDBOX — not production"), QStringLiteral("#2e7d32") };

    EnvironmentConfig empty;
    empty.name = QStringLiteral("empty");

    Config config;
    config.environments = { sandbox, empty };
    return config;
}

} // namespace

class TestConfigFile : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        qputenv("IDEM_TEST_SET", "value");
        qputenv("IDEM_TEST_EMPTY", "");
        qunsetenv("IDEM_TEST_UNSET");
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected");

        QTest::newRow("yaml syntax")
            << QByteArray("version: 1\nenvironments:\n  sandbox: [a, b\n")
            << "idem.yaml:4:1: invalid YAML: end of sequence flow not found";
        QTest::newRow("empty file") << QByteArray("# nothing here\n")
                                    << "idem.yaml:1:1: the file is empty; expected a map with the "
                                       "keys version and environments";
        QTest::newRow("top level is a list")
            << QByteArray("- version: 1\n")
            << "idem.yaml:1:1: expected a map with the keys version and environments, found a "
               "list";
        QTest::newRow("version missing")
            << QByteArray("environments: {}\n")
            << "idem.yaml:1:1: version is missing; expected version: 1";
        QTest::newRow("envelope preset unknown")
            << QByteArray("version: 1\nenvironments:\n  prod:\n    kafka:\n      main: {bootstrap.servers: k:9092}\n"
                          "    flows:\n      orders:\n        cluster: main\n        topics: [orders]\n"
                          "        envelope: {preset: sprng}\n")
            << "idem.yaml:10:9: the envelope of flow \"orders\": unknown envelope preset \"sprng\" (did you "
               "mean spring?); known presets: idem, cloudevents, spring, connect, debezium-outbox, custom";
        QTest::newRow("threshold out of range")
            << QByteArray("version: 1\nenvironments:\n  prod:\n    kafka:\n      main: {bootstrap.servers: k:9092}\n"
                          "    flows:\n      orders:\n        cluster: main\n        topics: [orders]\n"
                          "        thresholds: {retry_share: 5, lag: many}\n")
            << "idem.yaml:10:35: expected a ratio from 0 to 1 for retry_share, found \"5\"\n"
               "idem.yaml:10:43: expected a number of 0 or more for lag, found \"many\"";
        QTest::newRow("alert settings out of range")
            << QByteArray("version: 1\nenvironments:\n  prod:\n    kafka:\n      main: {bootstrap.servers: k:9092}\n"
                          "    flows:\n      orders:\n        cluster: main\n        topics: [orders]\n"
                          "        alerts: {lag_status: 5 minutes, rising_factor: 0.5, rising_window: off}\n"
                          "    ops: {connection: host=ops, history_days: 0}\n")
            << "idem.yaml:10:30: expected a duration from 1s to 24h such as 90s, 5m or 2h, or off, for lag_status, "
               "found \"5 minutes\"\n"
               "idem.yaml:10:56: expected a number of 1 or more for rising_factor, found \"0.5\"\n"
               "idem.yaml:10:76: expected a duration from 1s to 24h such as 90s, 5m or 2h for rising_window, found "
               "\"off\"\n"
               "idem.yaml:11:47: expected a whole number of days from 1 to 3660 for history_days (how long the "
               "metric history is kept), found \"0\"";
        QTest::newRow("version 2") << QByteArray("version: 2\nenvironments: {}\n")
                                   << "idem.yaml:1:10: unsupported version \"2\"; this Idem reads "
                                      "version 1";
        QTest::newRow("second document")
            << QByteArray("version: 1\n---\nversion: 1\n")
            << "idem.yaml:3:1: a second YAML document; the configuration is one document";
        QTest::newRow("unknown top-level key")
            << QByteArray("version: 1\nenviroments: {}\n")
            << "idem.yaml:2:1: unknown key \"enviroments\" at the top level; expected one of: "
               "version, environments";
        QTest::newRow("environments is a list")
            << QByteArray("version: 1\nenvironments:\n  - sandbox\n")
            << "idem.yaml:3:3: expected a map of environments by name, found a list";
        QTest::newRow("unknown environment key")
            << QByteArray("version: 1\nenvironments:\n  sandbox:\n    flow: {}\n")
            << "idem.yaml:4:5: unknown key \"flow\" in environment \"sandbox\"; expected one of: "
               "kafka, stores, flows, ops, band";
        QTest::newRow("duplicate environment")
            << QByteArray("version: 1\nenvironments:\n  a: {}\n  a: {}\n")
            << "idem.yaml:4:3: environment \"a\" appears twice in environments (first at line 3)";

        QTest::newRow("empty environment name")
            << QByteArray("version: 1\nenvironments:\n  \"\": {}\n")
            << "idem.yaml:3:3: an empty environment name in environments";
        QTest::newRow("environment name is a list")
            << QByteArray("version: 1\nenvironments:\n  [a]: {}\n")
            << "idem.yaml:3:3: expected a name as key in environments, found a list";
        QTest::newRow("duplicate property")
            << withCluster("        bootstrap.servers: a\n        bootstrap.servers: b\n")
            << "idem.yaml:7:9: property \"bootstrap.servers\" appears twice in cluster \"main\" "
               "(first at line 6)";
        QTest::newRow("clusters are a list")
            << QByteArray("version: 1\nenvironments:\n  sandbox:\n    kafka: [main]\n")
            << "idem.yaml:4:12: expected a map of Kafka clusters by name, found a list";
        QTest::newRow("flow names a cluster where none exist")
            << QByteArray("version: 1\nenvironments:\n  sandbox:\n    flows:\n"
                          "      orders: { cluster: main, topics: [a] }\n")
            << "idem.yaml:5:26: flow \"orders\" names cluster \"main\", but environment "
               "\"sandbox\" defines no Kafka clusters";

        QTest::newRow("cluster misspelled")
            << withFlow("        cluster: mian\n        topics: [orders.events]\n")
            << "idem.yaml:12:18: flow \"orders\" names cluster \"mian\", but environment "
               "\"sandbox\" defines only: main";
        QTest::newRow("topics is a map")
            << withFlow("        cluster: main\n        topics: { a: b }\n")
            << "idem.yaml:13:17: expected a list of topic names, found a map";
        QTest::newRow("topics is one value")
            << withFlow("        cluster: main\n        topics: orders.events\n")
            << "idem.yaml:13:17: expected a list of topic names, found a single value";
        QTest::newRow("topics empty")
            << withFlow("        cluster: main\n        topics: []\n")
            << "idem.yaml:13:17: flow \"orders\" needs at least one topic";
        QTest::newRow("topic listed twice")
            << withFlow("        cluster: main\n        topics: [a, b, a]\n")
            << "idem.yaml:13:24: topic \"a\" is listed twice in topics of flow \"orders\"";
        QTest::newRow("flow without cluster and topics")
            << withFlow("        dead_letter_topic: orders.dlq\n")
            << "idem.yaml:11:7: flow \"orders\" needs a cluster (one of the Kafka clusters of "
               "environment \"sandbox\")\n"
               "idem.yaml:11:7: flow \"orders\" needs topics (a list of at least one topic name)";
        QTest::newRow("empty flow")
            << withFlow("")
            << "idem.yaml:11:7: flow \"orders\" needs a cluster (one of the Kafka clusters of "
               "environment \"sandbox\")\n"
               "idem.yaml:11:7: flow \"orders\" needs topics (a list of at least one topic name)";
        QTest::newRow("unknown flow key")
            << withFlow("        cluster: main\n        topic: [a]\n")
            << "idem.yaml:11:7: flow \"orders\" needs topics (a list of at least one topic name)\n"
               "idem.yaml:13:9: unknown key \"topic\" in flow \"orders\"; expected one of: "
               "cluster, "
               "topics, retry_topics, dead_letter_topic, groups, envelope, dead_letter_envelope, "
               "thresholds, alerts";
        QTest::newRow("group names unknown store")
            << withFlow("        cluster: main\n        topics: [a]\n        groups:\n"
                        "          billing: { store: biling }\n")
            << "idem.yaml:15:29: group \"billing\" of flow \"orders\" names store \"biling\", but "
               "environment \"sandbox\" defines only: billing";
        QTest::newRow("group is a list")
            << withFlow("        cluster: main\n        topics: [a]\n        groups: [billing]\n")
            << "idem.yaml:14:17: expected a map of consumer groups by name, found a list";
        QTest::newRow("envelope fields are a list")
            << withFlow("        cluster: main\n        topics: [a]\n        envelope:\n"
                        "          fields: [event_id]\n")
            << "idem.yaml:15:19: expected a map of envelope field to where it is found, found a "
               "list";
        QTest::newRow("unknown envelope key")
            << withFlow("        cluster: main\n        topics: [a]\n        envelope:\n"
                        "          field: {}\n")
            << "idem.yaml:15:11: unknown key \"field\" in the envelope of flow \"orders\"; "
               "expected one of: preset, fields";
        QTest::newRow("envelope spec empty")
            << withFlow(
                   "        cluster: main\n        topics: [a]\n        dead_letter_envelope:\n"
                   "          fields:\n            error:\n")
            << "idem.yaml:16:13: expected where error is found (header:NAME, key or "
               "payload:/pointer), found nothing";

        QTest::newRow("store without connection")
            << withStore("        statement_timeout_ms: 100\n")
            << "idem.yaml:5:7: store \"billing\" needs a connection (a libpq connection string, "
               "URI or service=NAME)";
        QTest::newRow("connection is a map")
            << withStore("        connection: { host: db }\n")
            << "idem.yaml:6:21: expected a libpq connection string, URI or service=NAME for "
               "\"billing\", found a map";
        QTest::newRow("timeout not a number")
            << withStore("        connection: service=b\n        statement_timeout_ms: 5s\n")
            << "idem.yaml:7:31: expected a positive whole number of milliseconds for "
               "statement_timeout_ms, found \"5s\"";
        QTest::newRow("unknown registry column")
            << withStore("        connection: service=b\n        registry:\n"
                         "          columns:\n            evnt_id: id\n")
            << "idem.yaml:9:13: unknown column \"evnt_id\" in the registry mapping of store "
               "\"billing\"; expected one of: event_id, entity_key, event_type, event_version, "
               "status, attempts, first_seen_at, processed_at, result";
        QTest::newRow("unknown attempts key")
            << withStore("        connection: service=b\n        attempts: { tabel: x }\n")
            << "idem.yaml:7:21: unknown key \"tabel\" in the attempts mapping of store "
               "\"billing\"; expected one of: table, columns";
        QTest::newRow("unknown outcome")
            << withStore("        connection: service=b\n        outcomes: { skipped: dup }\n")
            << "idem.yaml:7:21: unknown outcome \"skipped\" in store \"billing\"; expected one "
               "of: processed, duplicate_skipped, retry_scheduled, dead_lettered, failed";
        QTest::newRow("undefined variable in connection")
            << withStore("        connection: \"host=db password=${IDEM_TEST_UNSET}\"\n")
            << "idem.yaml:6:21: connection of store \"billing\": environment variable "
               "IDEM_TEST_UNSET is not set";

        QTest::newRow("cluster without bootstrap.servers")
            << withCluster("        client.id: idem\n")
            << "idem.yaml:5:7: cluster \"main\" needs bootstrap.servers (host:port of its "
               "brokers)";
        QTest::newRow("empty bootstrap.servers")
            << withCluster("        bootstrap.servers: \"\"\n")
            << "idem.yaml:6:28: bootstrap.servers of cluster \"main\" is empty; expected "
               "host:port of its brokers";
        QTest::newRow("property is a list")
            << withCluster("        bootstrap.servers: [a, b]\n")
            << "idem.yaml:6:28: expected a single value for property \"bootstrap.servers\" of "
               "cluster \"main\", found a list";
        QTest::newRow("unclosed variable")
            << withCluster("        bootstrap.servers: \"${BROKERS\"\n")
            << "idem.yaml:6:28: property \"bootstrap.servers\" of cluster \"main\": \"${\" is not "
               "closed by \"}\" (write \"$$\" for a literal dollar)";

        QTest::newRow("ops without connection")
            << QByteArray("version: 1\nenvironments:\n  sandbox:\n    ops: {}\n")
            << "idem.yaml:4:5: the ops database needs a connection (a libpq connection string, "
               "URI or service=NAME)";

        QTest::newRow("index retention not a number")
            << QByteArray("version: 1\nenvironments:\n  sandbox:\n    ops:\n      connection: \"dbname=ops\"\n"
                          "      index_retention_days: a week\n")
            << "idem.yaml:6:29: expected the event index's retention in whole days, from 1 to 3650, "
               "found \"a week\"";
        QTest::newRow("index retention zero")
            << QByteArray("version: 1\nenvironments:\n  sandbox:\n    ops:\n      connection: \"dbname=ops\"\n"
                          "      index_retention_days: 0\n")
            << "idem.yaml:6:29: expected the event index's retention in whole days, from 1 to 3650, "
               "found \"0\"";

        QTest::newRow("several problems in file order")
            << QByteArray("version: 3\n"
                          "environments:\n"
                          "  sandbox:\n"
                          "    flows:\n"
                          "      orders: { cluster: none, topics: [a] }\n"
                          "    kafka:\n"
                          "      main: { client.id: x }\n")
            << "idem.yaml:1:10: unsupported version \"3\"; this Idem reads version 1\n"
               "idem.yaml:5:26: flow \"orders\" names cluster \"none\", but environment "
               "\"sandbox\" defines only: main\n"
               "idem.yaml:7:7: cluster \"main\" needs bootstrap.servers (host:port of its "
               "brokers)";
    }

    void badBandColours_data()
    {
        QTest::addColumn<QByteArray>("band");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not a name")
            << QByteArray("{ label: PRODUCTION, colour: reed }")
            << "idem.yaml:4:40: the band colour \"reed\" is not a colour; expected #RRGGBB (e.g. \"#b71c1c\") or an "
               "SVG colour name such as red, darkorange or seagreen (environment \"prod\")";
        QTest::newRow("five digits")
            << QByteArray("{ colour: \"#b71c1\" }")
            << "idem.yaml:4:21: the band colour \"#b71c1\" is not #RGB or #RRGGBB (three or six hexadecimal "
               "digits after #) (environment \"prod\")";
        QTest::newRow("empty")
            << QByteArray("{ colour: \"\" }")
            << "idem.yaml:4:21: the band colour is empty; expected #RRGGBB (e.g. \"#b71c1c\") or a colour name "
               "such as red (environment \"prod\")";
        QTest::newRow("unknown key")
            << QByteArray("{ color: red }")
            << "idem.yaml:4:13: unknown key \"color\" in the band of environment \"prod\"; expected one of: label, colour";
    }

    void badBandColours()
    {
        QFETCH(QByteArray, band);
        QFETCH(QString, expected);
        const auto config = connectors::parseConfig("version: 1\nenvironments:\n  prod:\n    band: " + band + '\n', kSource);
        QVERIFY(!config.ok());
        QCOMPARE(config.error(), expected);
    }

    void bandLabelAndColour()
    {
        const auto config = connectors::parseConfig(
            "version: 1\nenvironments:\n  prod:\n    band: { label: PRODUCTION, colour: \"#B71C1C\" }\n"
            "  staging: {}\n  test:\n    band: { colour: darkorange }\n",
            kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        QCOMPARE(config->environments.at(0).bandLabel(), QStringLiteral("PRODUCTION"));
        QCOMPARE(config->environments.at(0).band->colour, QStringLiteral("#B71C1C"));
        QCOMPARE(config->environments.at(1).bandLabel(), QStringLiteral("STAGING"));
        QVERIFY(!config->environments.at(1).band);
        QCOMPARE(config->environments.at(2).bandLabel(), QStringLiteral("TEST"));
    }

    void errors()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        const auto config = connectors::parseConfig(yaml, kSource);
        QVERIFY(!config.ok());
        QCOMPARE(config.error(), expected);
    }

    void manyProblemsAreCapped()
    {
        QByteArray yaml = "version: 1\nenvironments:\n  sandbox:\n    stores:\n";
        for (int i = 0; i < 30; ++i)
            yaml += "      s" + QByteArray::number(i) + ": {}\n";
        const auto config = connectors::parseConfig(yaml, kSource);
        const QStringList lines = config.error().split(u'\n');
        QCOMPARE(lines.size(), 21);
        QCOMPARE(lines.first(),
                 QStringLiteral("idem.yaml:5:7: store \"s0\" needs a connection (a "
                                "libpq connection string, URI or service=NAME)"));
        QCOMPARE(lines.last(), QStringLiteral("idem.yaml: 10 more problems not shown"));
    }

    void secretsStayOutOfMessages_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        const QByteArray secret = "hunter2-secret";
        QTest::newRow("undefined variable next to a secret")
            << withCluster("        bootstrap.servers: b:9092\n        sasl.password: \"" + secret
                           + "${IDEM_TEST_UNSET}\"\n");
        QTest::newRow("unclosed reference in a secret") << withCluster(
            "        bootstrap.servers: b:9092\n        sasl.password: \"${" + secret + "\"\n");
        QTest::newRow("bad reference name in a secret")
            << withCluster("        bootstrap.servers: b:9092\n        ssl.key.password: \"${"
                           + secret + "!}\"\n");
        QTest::newRow("secret as a list") << withCluster(
            "        bootstrap.servers: b:9092\n        sasl.password: [" + secret + "]\n");
        QTest::newRow("secret in a connection")
            << withStore("        connection: \"password=" + secret + " ${IDEM_TEST_UNSET}\"\n");
        QTest::newRow("secret in ops")
            << QByteArray("version: 1\nenvironments:\n  sandbox:\n    ops:\n"
                          "      connection: \"password="
                          + secret + " ${x:y}\"\n");
        QTest::newRow("secret next to a syntax error")
            << withCluster("        token: " + secret + "\n      bad: [\n");
    }

    void secretsStayOutOfMessages()
    {
        QFETCH(QByteArray, yaml);
        const auto config = connectors::parseConfig(yaml, kSource);
        QVERIFY(!config.ok());
        QVERIFY2(!config.error().contains(QStringLiteral("hunter2")), qPrintable(config.error()));
    }

    void variableCheckCanBeSkipped()
    {
        const QByteArray unset = withStore("        connection: \"${IDEM_TEST_UNSET}\"\n");
        QVERIFY(!connectors::parseConfig(unset, kSource).ok());
        const auto skipped = connectors::parseConfig(unset, kSource, VariableCheck::Skipped);
        QVERIFY2(skipped.ok(), qPrintable(skipped.error()));
        // The value stays as written, so saving it back never writes what the variable holds.
        QCOMPARE(skipped->store(QStringLiteral("sandbox"), QStringLiteral("billing"))->connection,
                 QStringLiteral("${IDEM_TEST_UNSET}"));

        const QByteArray malformed = withStore("        connection: \"${}\"\n");
        QCOMPARE(connectors::parseConfig(malformed, kSource, VariableCheck::Skipped).error(),
                 QStringLiteral("idem.yaml:6:21: connection of store \"billing\": \"${\" must be "
                                "followed by a variable name made of letters, digits and "
                                "underscores"));
    }

    void definedVariableStaysRaw()
    {
        const auto config = connectors::parseConfig(
            withStore("        connection: \"host=db password=${IDEM_TEST_SET}\"\n"), kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        QCOMPARE(config->store(QStringLiteral("sandbox"), QStringLiteral("billing"))->connection,
                 QStringLiteral("host=db password=${IDEM_TEST_SET}"));
    }

    void mappingDefaults()
    {
        const auto config
            = connectors::parseConfig(withStore("        connection: service=b\n"), kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        const StoreConfig *store
            = config->store(QStringLiteral("sandbox"), QStringLiteral("billing"));
        QVERIFY(store);
        QCOMPARE(store->statementTimeoutMs, 5000);
        QCOMPARE(store->registry.table, QStringLiteral("processed_events"));
        QCOMPARE(store->registry.columns.keys(),
                 QStringList({ "attempts", "entity_key", "event_id", "event_type", "event_version",
                               "first_seen_at", "processed_at", "result", "status" }));
        for (const QString &column : registryColumnNames())
            QCOMPARE(store->registry.column(column), column);
        QCOMPARE(store->attempts.table, QStringLiteral("processing_attempts"));
        QCOMPARE(store->attempts.columns.size(), 5);
        QCOMPARE(store->attempts.column(QStringLiteral("at")), QStringLiteral("at"));
        QCOMPARE(store->outcomeValues, defaultOutcomeValues());
        QVERIFY(*store == (StoreConfig { QStringLiteral("billing"), QStringLiteral("service=b") }));
    }

    void mappingOverridesOneColumn()
    {
        const auto config = connectors::parseConfig(
            withStore("        connection: service=b\n"
                      "        registry: { columns: { entity_key: order_id } }\n"
                      "        attempts: { table: audit.attempts }\n"
                      "        outcomes: { duplicate_skipped: duplicate }\n"),
            kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        const StoreConfig *store
            = config->store(QStringLiteral("sandbox"), QStringLiteral("billing"));
        QCOMPARE(store->registry.table, QStringLiteral("processed_events"));
        QCOMPARE(store->registry.column(QStringLiteral("entity_key")), QStringLiteral("order_id"));
        QCOMPARE(store->registry.column(QStringLiteral("event_id")), QStringLiteral("event_id"));
        QCOMPARE(store->attempts.table, QStringLiteral("audit.attempts"));
        QCOMPARE(store->attempts.column(QStringLiteral("outcome")), QStringLiteral("outcome"));
        QCOMPARE(store->outcomeValue(QStringLiteral("duplicate_skipped")),
                 QStringLiteral("duplicate"));
        QCOMPARE(store->outcomeValue(QStringLiteral("failed")), QStringLiteral("failed"));
    }

    void flowDefaults()
    {
        const auto config
            = connectors::parseConfig(withFlow("        cluster: main\n        topics: [a]\n"
                                               "        groups: { billing: { store: billing }, "
                                               "audit: {}, loose: }\n"),
                                      kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        const FlowConfig *flow = config->flow(QStringLiteral("sandbox"), QStringLiteral("orders"));
        QVERIFY(flow);
        QCOMPARE(flow->envelope.preset, QStringLiteral("idem"));
        QVERIFY(flow->envelope.fields.isEmpty());
        QCOMPARE(flow->deadLetterEnvelope, EnvelopeConfig());
        QVERIFY(flow->retryTopics.isEmpty());
        QVERIFY(flow->deadLetterTopic.isEmpty());
        QCOMPARE(flow->groups.size(), 3);
        QCOMPARE(flow->group(QStringLiteral("billing"))->store, QStringLiteral("billing"));
        QVERIFY(flow->group(QStringLiteral("audit"))->store.isEmpty());
        QVERIFY(flow->group(QStringLiteral("loose"))->store.isEmpty());
        QVERIFY(!config->environment(QStringLiteral("sandbox"))->ops);
        QVERIFY(!config->environment(QStringLiteral("nope")));
        QVERIFY(!config->flow(QStringLiteral("sandbox"), QStringLiteral("nope")));
    }

    void roundTrip()
    {
        const Config config = sampleConfig();
        const QByteArray text = connectors::writeConfig(config);
        const auto back = connectors::parseConfig(text, kSource);
        QVERIFY2(back.ok(), qPrintable(QString(back.error() + u'\n' + QString::fromUtf8(text))));
        QVERIFY2(back.value() == config, text.constData());
        // Writing is stable: the same configuration gives the same text.
        QCOMPARE(connectors::writeConfig(back.value()), text);
    }

    void indexRetentionIsReadAndWritten()
    {
        const QByteArray yaml("version: 1\nenvironments:\n  sandbox:\n    ops:\n      connection: \"dbname=ops\"\n"
                              "      index_retention_days: 14\n");
        const auto config = connectors::parseConfig(yaml, kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        QCOMPARE(config->environments.first().ops->indexRetentionDays, 14);
        const auto again = connectors::parseConfig(connectors::writeConfig(config.value()), kSource);
        QVERIFY2(again.ok(), qPrintable(again.error()));
        QCOMPARE(again->environments.first().ops->indexRetentionDays, 14);
        const auto plain = connectors::parseConfig("version: 1\nenvironments:\n  sandbox:\n    ops:\n"
                                                   "      connection: \"dbname=ops\"\n", kSource);
        QVERIFY2(plain.ok(), qPrintable(plain.error()));
        QCOMPARE(plain->environments.first().ops->indexRetentionDays, 7);
    }

    void alertSettingsAndHistoryDaysRoundTrip()
    {
        const QByteArray yaml = "version: 1\nenvironments:\n  prod:\n    kafka:\n      main: {bootstrap.servers: k:9092}\n"
                                "    flows:\n      orders:\n        cluster: main\n        topics: [orders]\n"
                                "        alerts: {lag_status: off, rising: 90s, rising_window: 10m, rising_factor: 4}\n"
                                "    ops: {connection: host=ops, history_days: 7}\n";
        const auto config = connectors::parseConfig(yaml, kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        const FlowConfig &flow = config->environments.first().flows.first();
        QVERIFY(!flow.alerts.lagStatus);
        QVERIFY(flow.alerts.rising);
        QCOMPARE(flow.alerts.risingForMs, 90000);
        QCOMPARE(flow.alerts.risingWindowMs, 600000);
        QCOMPARE(flow.alerts.risingFactor, 4.0);
        QCOMPARE(flow.alerts.thresholdForMs, FlowAlertConfig{}.thresholdForMs); // the default where unset
        QCOMPARE(config->environments.first().ops->historyDays, 7);
        const auto back = connectors::parseConfig(connectors::writeConfig(config.value()), kSource);
        QVERIFY2(back.ok(), qPrintable(back.error()));
        QCOMPARE(back.value().environments, config->environments);
        // Without settings: the defaults, 30 days of history.
        const auto plain = connectors::parseConfig("version: 1\nenvironments:\n  prod:\n    ops: {connection: host=ops}\n",
                                                   kSource);
        QVERIFY2(plain.ok(), qPrintable(plain.error()));
        QCOMPARE(plain->environments.first().ops->historyDays, 30);
    }

    void roundTripKeepsOrder()
    {
        // Lists come back in the order written, not sorted.
        const auto config = connectors::parseConfig(
            "version: 1\nenvironments:\n  zeta: {}\n  alpha:\n    kafka:\n"
            "      z: { bootstrap.servers: a, b.prop: 1, a.prop: 2 }\n"
            "      a: { bootstrap.servers: b }\n",
            kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        QCOMPARE(config->environments.at(0).name, QStringLiteral("zeta"));
        QCOMPARE(config->environments.at(1).clusters.at(0).name, QStringLiteral("z"));
        QCOMPARE(config->environments.at(1).clusters.at(0).properties.at(1).first,
                 QStringLiteral("b.prop"));
        const auto back = connectors::parseConfig(connectors::writeConfig(config.value()), kSource);
        QVERIFY(back.value() == config.value());
    }

    void emptyConfigRoundTrips()
    {
        const QByteArray text = connectors::writeConfig(Config());
        const auto back = connectors::parseConfig(text, kSource);
        QVERIFY2(back.ok(), qPrintable(back.error()));
        QVERIFY(back->environments.isEmpty());
    }

    void exampleFileParses()
    {
        const auto config = connectors::loadConfig(QStringLiteral(IDEM_EXAMPLE_CONFIG));
        QVERIFY2(config.ok(), qPrintable(config.error()));
        QCOMPARE(config->sourcePath,
                 QFileInfo(QStringLiteral(IDEM_EXAMPLE_CONFIG)).absoluteFilePath());
        const FlowConfig *orders
            = config->flow(QStringLiteral("sandbox"), QStringLiteral("orders"));
        QVERIFY(orders);
        QCOMPARE(orders->cluster, QStringLiteral("main"));
        QCOMPARE(orders->topics, QStringList { QStringLiteral("orders.events") });
        QCOMPARE(orders->retryTopics.size(), 3);
        QCOMPARE(orders->deadLetterTopic, QStringLiteral("orders.dlq"));
        QCOMPARE(orders->groups.size(), 3);
        QCOMPARE(orders->envelope.fields.value(QStringLiteral("event_id")),
                 QStringLiteral("header:event_id"));
        const StoreConfig *billing
            = config->store(QStringLiteral("sandbox"), QStringLiteral("billing"));
        QVERIFY(billing);
        QCOMPARE(billing->registry.column(QStringLiteral("entity_key")),
                 QStringLiteral("order_id"));
        QCOMPARE(billing->outcomeValue(QStringLiteral("duplicate_skipped")),
                 QStringLiteral("duplicate"));
        QVERIFY(config->environment(QStringLiteral("sandbox"))->ops);
        QCOMPARE(config->environment(QStringLiteral("production"))->bandLabel(), QStringLiteral("PRODUCTION"));
        QCOMPARE(config->environment(QStringLiteral("production"))->band->colour, QStringLiteral("#b71c1c"));
        QCOMPARE(config->cluster(QStringLiteral("production"), QStringLiteral("main"))
                     ->property(QStringLiteral("sasl.password")),
                 QStringLiteral("${IDEM_KAFKA_PASSWORD:-}"));

        // The example survives a round trip, too.
        Config expected = config.value();
        expected.sourcePath.clear();
        const auto back = connectors::parseConfig(connectors::writeConfig(expected), kSource);
        QVERIFY2(back.ok(), qPrintable(back.error()));
        QVERIFY(back.value() == expected);
    }

    void saveAndLoad()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("nested/idem/idem.yaml"));
        const Config config = sampleConfig();
        const Status saved = connectors::saveConfig(config, path);
        QVERIFY2(saved.ok(), qPrintable(saved.error()));
        const QFileDevice::Permissions all = QFileDevice::ReadOwner | QFileDevice::WriteOwner
            | QFileDevice::ExeOwner | QFileDevice::ReadGroup | QFileDevice::WriteGroup
            | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther
            | QFileDevice::ExeOther;
        QCOMPARE(QFileInfo(path).permissions() & all,
                 QFileDevice::Permissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));

        auto loaded = connectors::loadConfig(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        QCOMPARE(loaded->sourcePath, QFileInfo(path).absoluteFilePath());
        loaded->sourcePath.clear();
        QVERIFY(loaded.value() == config);
    }

    void invalidConfigIsNotSaved()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QVERIFY(connectors::saveConfig(sampleConfig(), path).ok());
        const QByteArray before = [&] {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        }();

        Config broken = sampleConfig();
        broken.environments[0].flows[0].cluster = QStringLiteral("gone");
        const Status saved = connectors::saveConfig(broken, path);
        QVERIFY(!saved.ok());
        QVERIFY2(saved.error().contains(QStringLiteral("names cluster \"gone\"")),
                 qPrintable(saved.error()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
    }

    void unsafeKafkaPropertiesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("property");
        QTest::addColumn<QString>("why");
        QTest::newRow("plugins") << QByteArray("plugin.library.paths: /tmp/evil.so")
                                 << "librdkafka property \"plugin.library.paths\" loads a shared library into Idem";
        QTest::newRow("kinit command") << QByteArray("sasl.kerberos.kinit.cmd: \"touch /tmp/pwned\"")
                                       << "librdkafka property \"sasl.kerberos.kinit.cmd\" runs a shell command";
        QTest::newRow("engine") << QByteArray("ssl.engine.location: /tmp/engine.so")
                                << "librdkafka property \"ssl.engine.location\" loads an OpenSSL engine (a shared library) into Idem";
        QTest::newRow("providers") << QByteArray("ssl.providers: legacy,/tmp/evil")
                                   << "librdkafka property \"ssl.providers\" loads OpenSSL providers";
        QTest::newRow("principal into the kinit shell")
            << QByteArray("sasl.kerberos.principal: \"idem; touch /tmp/pwned\"")
            << "librdkafka property \"sasl.kerberos.principal\" is pasted into librdkafka's kinit shell command";
        QTest::newRow("keytab into the kinit shell")
            << QByteArray("sasl.kerberos.keytab: \"/tmp/k$(id)\"")
            << "librdkafka property \"sasl.kerberos.keytab\" is pasted into librdkafka's kinit shell command";
        QTest::newRow("callback") << QByteArray("error_cb: \"0x401000\"")
                                  << "librdkafka property \"error_cb\" is a pointer to code or data";
        QTest::newRow("engine callback data") << QByteArray("ssl_engine_callback_data: \"0x401000\"")
                                              << "librdkafka property \"ssl_engine_callback_data\" is a pointer";
    }

    void unsafeKafkaPropertiesAreRefused()
    {
        QFETCH(QByteArray, property);
        QFETCH(QString, why);
        qunsetenv(models::kAllowUnsafeKafkaPropertiesVariable);
        const QByteArray yaml = withCluster("        bootstrap.servers: b:9092\n        " + property + "\n");
        const auto config = connectors::parseConfig(yaml, kSource);
        QVERIFY(!config.ok());
        // FILE:LINE:COLUMN of the key, why, and how to allow it.
        QVERIFY2(config.error().startsWith(QStringLiteral("idem.yaml:7:9: ") + why), qPrintable(config.error()));
        QVERIFY2(config.error().endsWith(QStringLiteral("Remove it, or set IDEM_ALLOW_UNSAFE_KAFKA_PROPERTIES=1 in "
                                                        "Idem's environment if you trust this file")),
                 qPrintable(config.error()));
        QCOMPARE(config.error().count(u'\n'), 0);
        // Nor does the dialog's reading let it through.
        QVERIFY(!connectors::parseConfig(yaml, kSource, VariableCheck::Skipped).ok());

        // The last gate: a client is not created with it, whichever way it came.
        const QString key = QString::fromUtf8(property.left(property.indexOf(':')));
        QString value = QString::fromUtf8(property.mid(property.indexOf(':') + 1)).trimmed();
        if (value.startsWith(u'"'))
            value = value.mid(1, value.size() - 2);
        const auto client = connectors::kafka::createClient(
            RD_KAFKA_CONSUMER, {{QStringLiteral("bootstrap.servers"), QStringLiteral("127.0.0.1:1")}, {key, value}});
        QVERIFY(!client.ok());
        QVERIFY2(client.error().startsWith(why), qPrintable(client.error()));

        // Allowed explicitly, the reader accepts it.
        qputenv(models::kAllowUnsafeKafkaPropertiesVariable, "1");
        const auto allowed = connectors::parseConfig(yaml, kSource);
        qunsetenv(models::kAllowUnsafeKafkaPropertiesVariable);
        QVERIFY2(allowed.ok(), qPrintable(allowed.error()));
    }

    void safeKafkaPropertiesPass()
    {
        qunsetenv(models::kAllowUnsafeKafkaPropertiesVariable);
        const auto config = connectors::parseConfig(
            withCluster("        bootstrap.servers: b:9092\n"
                        "        sasl.mechanisms: GSSAPI\n"
                        "        sasl.kerberos.principal: \"idem/host.example.com@EXAMPLE.COM\"\n"
                        "        sasl.kerberos.keytab: \"${IDEM_TEST_SET}\"\n"
                        "        ssl.ca.location: /etc/ssl/certs/ca.pem\n"),
            kSource);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        QVERIFY(models::unsafeKafkaPropertyReason(QStringLiteral("oauthbearer.method"), QStringLiteral("oidc")).isEmpty());
        QVERIFY(models::unsafeKafkaPropertyReason(QStringLiteral("sasl.oauthbearer.config"), QStringLiteral("a=b")).isEmpty());
        // The gate checks the expanded value: a variable may not smuggle a command in.
        QVERIFY(!models::unsafeKafkaPropertyReason(QStringLiteral("sasl.kerberos.principal"), QStringLiteral("a`id`")).isEmpty());
    }

    void nonRegularFilesAreRefused_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("/dev/zero") << QStringLiteral("zero");
        QTest::newRow("fifo") << QStringLiteral("fifo");
        QTest::newRow("directory") << QStringLiteral("directory");
    }

    void nonRegularFilesAreRefused()
    {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString path = dir.filePath(QStringLiteral("idem.yaml"));
        if (kind == u"zero")
            path = QStringLiteral("/dev/zero");
        else if (kind == u"fifo")
            QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0); // nobody ever writes to it
        else
            QVERIFY(QDir().mkpath(path));
        QElapsedTimer timer;
        timer.start();
        const auto config = connectors::loadConfig(path);
        QVERIFY(!config.ok());
        QCOMPARE(config.error(), path + QStringLiteral(": not a regular file (a pipe, device or directory); "
                                                       "the configuration is read from a file"));
        QVERIFY(timer.elapsed() < 5000);
    }

    void largeFileIsRefused()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QByteArray chunk(1024 * 1024, ' ');
        chunk.prepend("version: 1\n");
        for (int i = 0; i < 5; ++i)
            QVERIFY(file.write(chunk) == chunk.size());
        file.close();
        const auto config = connectors::loadConfig(path);
        QVERIFY(!config.ok());
        QCOMPARE(config.error(), path + QStringLiteral(": is larger than 4 MiB; a configuration file is small"));
    }

    void missingFile()
    {
        const auto config = connectors::loadConfig(QStringLiteral("/nonexistent/idem.yaml"));
        QVERIFY(!config.ok());
        QVERIFY2(config.error().startsWith(
                     QStringLiteral("/nonexistent/idem.yaml: cannot read the configuration: ")),
                 qPrintable(config.error()));
    }

    void defaultPath()
    {
        const QByteArray saved = qgetenv("XDG_CONFIG_HOME");
        const bool wasSet = qEnvironmentVariableIsSet("XDG_CONFIG_HOME");
        qputenv("XDG_CONFIG_HOME", "/tmp/xdg");
        QCOMPARE(connectors::defaultConfigPath(), QStringLiteral("/tmp/xdg/idem/idem.yaml"));
        qputenv("XDG_CONFIG_HOME", "relative/ignored");
        QCOMPARE(connectors::defaultConfigPath(),
                 QString(QDir::homePath() + "/.config/idem/idem.yaml"));
        qunsetenv("XDG_CONFIG_HOME");
        QCOMPARE(connectors::defaultConfigPath(),
                 QString(QDir::homePath() + "/.config/idem/idem.yaml"));
        if (wasSet)
            qputenv("XDG_CONFIG_HOME", saved);
    }

    void expand_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("error");

        QTest::newRow("plain") << "host=db"
                               << "host=db" << QString();
        QTest::newRow("set") << "a=${IDEM_TEST_SET}!"
                             << "a=value!" << QString();
        QTest::newRow("set twice") << "${IDEM_TEST_SET}${IDEM_TEST_SET}"
                                   << "valuevalue" << QString();
        QTest::newRow("set but empty") << "[${IDEM_TEST_EMPTY}]"
                                       << "[]" << QString();
        QTest::newRow("default unused") << "${IDEM_TEST_SET:-other}"
                                        << "value" << QString();
        QTest::newRow("default for unset") << "${IDEM_TEST_UNSET:-other x}"
                                           << "other x" << QString();
        QTest::newRow("default for empty") << "${IDEM_TEST_EMPTY:-fallback}"
                                           << "fallback" << QString();
        QTest::newRow("empty default") << "<${IDEM_TEST_UNSET:-}>"
                                       << "<>" << QString();
        QTest::newRow("escaped dollar") << "pa$$word $${IDEM_TEST_SET}"
                                        << "pa$word ${IDEM_TEST_SET}" << QString();
        QTest::newRow("lone dollar") << "a$b $ c$"
                                     << "a$b $ c$" << QString();
        QTest::newRow("unset") << "x ${IDEM_TEST_UNSET} y" << QString()
                               << "environment variable IDEM_TEST_UNSET is not set";
        QTest::newRow("unclosed") << "x ${IDEM_TEST_SET" << QString()
                                  << "\"${\" is not closed by \"}\" (write \"$$\" for a literal "
                                     "dollar)";
        QTest::newRow("empty name") << "${}" << QString()
                                    << "\"${\" must be followed by a variable name made of "
                                       "letters, digits and underscores";
        QTest::newRow("digit first") << "${1X}" << QString()
                                     << "\"${\" must be followed by a variable name made of "
                                        "letters, digits and underscores";
        QTest::newRow("other operator") << "${IDEM_TEST_SET:?oops}" << QString()
                                        << "a reference is not understood; write ${NAME} or "
                                           "${NAME:-default}";
    }

    void expand()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QFETCH(QString, error);
        QString actualError = QStringLiteral("stale");
        const QString actual = expandEnvironment(text, &actualError);
        QCOMPARE(actualError, error);
        QCOMPARE(actual, expected);
        QCOMPARE(checkEnvironmentReferences(text),
                 error.startsWith(u"environment variable") ? QString() : error);
    }

    void secretKeys_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("secret");
        QTest::newRow("sasl.password") << "sasl.password" << true;
        QTest::newRow("sasl.username") << "sasl.username" << false;
        QTest::newRow("ssl.key.password") << "ssl.key.password" << true;
        QTest::newRow("ssl.key.pem") << "ssl.key.pem" << true;
        QTest::newRow("ssl.keystore.location") << "ssl.keystore.location" << true;
        QTest::newRow("oauth token") << "sasl.oauthbearer.token.endpoint.url" << true;
        QTest::newRow("client secret") << "x.client.secret" << true;
        QTest::newRow("password upper") << "PASSWORD" << true;
        QTest::newRow("bootstrap.servers") << "bootstrap.servers" << false;
        QTest::newRow("ssl.ca.location") << "ssl.ca.location" << false;
        QTest::newRow("security.protocol") << "security.protocol" << false;
        QTest::newRow("sasl.mechanism") << "sasl.mechanism" << false;
        QTest::newRow("sasl.mechanisms") << "sasl.mechanisms" << false;
        QTest::newRow("ssl.key.location") << "ssl.key.location" << false;
    }

    void secretKeys()
    {
        QFETCH(QString, key);
        QFETCH(bool, secret);
        QCOMPARE(isSecretKey(key), secret);
    }
};

QTEST_GUILESS_MAIN(TestConfigFile)
#include "tst_configfile.moc"
