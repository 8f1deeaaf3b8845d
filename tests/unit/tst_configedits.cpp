// Proves what the connections dialog relies on in models/config/: literal
// secrets are masked (cluster properties under secret-looking keys, passwords
// of connection strings and URIs) while ${NAME} references show; renaming a
// cluster or store carries the flows that refer to it, unless another one
// still has the old name; and a file's stamp tells a changed content from a
// mere touch.

#include "models/config/configstorage.h"
#include "models/config/renames.h"
#include "models/config/secretmasking.h"

#include <QtTest>

using namespace idem::models;

namespace {

EnvironmentConfig environment()
{
    EnvironmentConfig env;
    env.name = QStringLiteral("sandbox");
    env.clusters = {{QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), QStringLiteral("k:9092")}}},
                    {QStringLiteral("other"), {{QStringLiteral("bootstrap.servers"), QStringLiteral("o:9092")}}}};
    StoreConfig billing;
    billing.name = QStringLiteral("billing");
    StoreConfig ledger;
    ledger.name = QStringLiteral("ledger");
    env.stores = {billing, ledger};
    FlowConfig orders;
    orders.name = QStringLiteral("orders");
    orders.cluster = QStringLiteral("main");
    orders.groups = {{QStringLiteral("billing"), QStringLiteral("billing")}, {QStringLiteral("audit"), QStringLiteral("ledger")}};
    FlowConfig payments;
    payments.name = QStringLiteral("payments");
    payments.cluster = QStringLiteral("other");
    payments.groups = {{QStringLiteral("ledger"), QStringLiteral("billing")}};
    env.flows = {orders, payments};
    return env;
}

} // namespace

class TestConfigEdits : public QObject
{
    Q_OBJECT

private slots:
    void literalSecrets_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("literal");
        QTest::newRow("password") << QStringLiteral("sasl.password") << QStringLiteral("hunter2") << true;
        QTest::newRow("reference") << QStringLiteral("sasl.password") << QStringLiteral("${KAFKA_PASSWORD}") << false;
        QTest::newRow("reference with default") << QStringLiteral("ssl.key.password") << QStringLiteral("${K:-x}") << false;
        QTest::newRow("empty") << QStringLiteral("sasl.password") << QString() << false;
        QTest::newRow("not a secret key") << QStringLiteral("bootstrap.servers") << QStringLiteral("k:9092") << false;
    }
    void literalSecrets()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(bool, literal);
        QCOMPARE(isLiteralSecret(key, value), literal);
    }

    void connectionPasswords_data()
    {
        QTest::addColumn<QString>("connection");
        QTest::addColumn<bool>("literal");
        QTest::addColumn<QString>("masked");
        const QString mask = secretMask();
        QTest::newRow("none") << QStringLiteral("host=db dbname=billing user=idem") << false
                              << QStringLiteral("host=db dbname=billing user=idem");
        QTest::newRow("keyword") << QStringLiteral("host=db password=s3cret user=idem") << true
                                 << QStringLiteral("host=db password=%1 user=idem").arg(mask);
        QTest::newRow("quoted with spaces") << QStringLiteral("password = 'a b\\'c' host=db") << true
                                            << QStringLiteral("password = %1 host=db").arg(mask);
        QTest::newRow("uri") << QStringLiteral("postgresql://idem:s3cret@db/billing") << true
                             << QStringLiteral("postgresql://idem:%1@db/billing").arg(mask);
        QTest::newRow("reference") << QStringLiteral("host=db password=${PGPASS}") << false
                                   << QStringLiteral("host=db password=${PGPASS}");
        QTest::newRow("uri reference") << QStringLiteral("postgresql://idem:${PGPASS}@db/billing") << false
                                       << QStringLiteral("postgresql://idem:${PGPASS}@db/billing");
    }
    void connectionPasswords()
    {
        QFETCH(QString, connection);
        QFETCH(bool, literal);
        QFETCH(QString, masked);
        QCOMPARE(hasLiteralPassword(connection), literal);
        QCOMPARE(maskConnection(connection), masked);
    }

    void maskedConfigHidesEverySecretAndNothingElse()
    {
        Config config;
        EnvironmentConfig env = environment();
        env.clusters[0].properties << QPair<QString, QString>{QStringLiteral("sasl.password"), QStringLiteral("hunter2")}
                                   << QPair<QString, QString>{QStringLiteral("sasl.username"), QStringLiteral("${USER}")};
        env.stores[0].connection = QStringLiteral("host=db password=s3cret");
        env.ops = OpsDatabaseConfig{QStringLiteral("postgresql://ops:0ps@db/ops")};
        config.environments = {env};
        const Config masked = maskedConfig(config);
        const EnvironmentConfig &m = masked.environments[0];
        QCOMPARE(m.clusters[0].property(QStringLiteral("sasl.password")), secretMask());
        QCOMPARE(m.clusters[0].property(QStringLiteral("sasl.username")), QStringLiteral("${USER}"));
        QCOMPARE(m.clusters[0].property(QStringLiteral("bootstrap.servers")), QStringLiteral("k:9092"));
        QCOMPARE(m.stores[0].connection, QStringLiteral("host=db password=") + secretMask());
        QCOMPARE(m.ops->connection, QStringLiteral("postgresql://ops:%1@db/ops").arg(secretMask()));
        // Only the secrets differ.
        Config unmasked = masked;
        unmasked.environments[0].clusters[0].properties = config.environments[0].clusters[0].properties;
        unmasked.environments[0].stores[0].connection = config.environments[0].stores[0].connection;
        unmasked.environments[0].ops = config.environments[0].ops;
        QVERIFY(unmasked == config);
    }

    void renamingAClusterCarriesItsFlows()
    {
        EnvironmentConfig env = environment();
        QCOMPARE(renameCluster(env, 0, QStringLiteral("  primary ")), std::optional<QString>(QStringLiteral("main")));
        QCOMPARE(env.clusters[0].name, QStringLiteral("primary"));
        QCOMPARE(env.flows[0].cluster, QStringLiteral("primary"));
        QCOMPARE(env.flows[1].cluster, QStringLiteral("other")); // not on it
        // Unchanged name, or no such cluster: nothing happens.
        const EnvironmentConfig before = env;
        QCOMPARE(renameCluster(env, 0, QStringLiteral("primary")), std::nullopt);
        QCOMPARE(renameCluster(env, 5, QStringLiteral("x")), std::nullopt);
        QCOMPARE(renameCluster(env, -1, QStringLiteral("x")), std::nullopt);
        QVERIFY(env == before);
    }

    void flowsStayWhereAnotherClusterKeepsTheName()
    {
        EnvironmentConfig env = environment();
        env.clusters[1].name = QStringLiteral("main"); // a duplicate, as typed half-way
        env.flows[1].cluster = QStringLiteral("main");
        QVERIFY(renameCluster(env, 1, QStringLiteral("other")));
        QCOMPARE(env.flows[0].cluster, QStringLiteral("main"));
        QCOMPARE(env.flows[1].cluster, QStringLiteral("main")); // still names the first cluster
    }

    void renamingAStoreCarriesItsGroups()
    {
        EnvironmentConfig env = environment();
        QCOMPARE(renameStore(env, 0, QStringLiteral("billing-db")), std::optional<QString>(QStringLiteral("billing")));
        QCOMPARE(env.flows[0].groups[0].store, QStringLiteral("billing-db"));
        QCOMPARE(env.flows[0].groups[1].store, QStringLiteral("ledger"));
        QCOMPARE(env.flows[1].groups[0].store, QStringLiteral("billing-db"));
        QCOMPARE(env.flows[0].groups[0].name, QStringLiteral("billing")); // a group's own name is not a store's

        env.stores[1].name = QStringLiteral("billing-db");
        QVERIFY(renameStore(env, 1, QStringLiteral("ledger")));
        QCOMPARE(env.flows[0].groups[0].store, QStringLiteral("billing-db")); // the other one keeps it
    }

    void renamingAFlowChangesOnlyItsName()
    {
        EnvironmentConfig env = environment();
        EnvironmentConfig expected = env;
        expected.flows[1].name = QStringLiteral("refunds");
        QCOMPARE(renameFlow(env, 1, QStringLiteral("refunds")), std::optional<QString>(QStringLiteral("payments")));
        QVERIFY(env == expected);
    }

    void stampsTellContentFromTouch()
    {
        const FileStamp a{true, 10, 1000, QByteArray("hash-a")};
        FileStamp touched = a;
        touched.modifiedMs = 2000;
        QVERIFY(!contentChanged(a, touched));
        FileStamp edited = a;
        edited.sha256 = "hash-b";
        QVERIFY(contentChanged(a, edited));
        FileStamp grown = a;
        grown.size = 11;
        QVERIFY(contentChanged(a, grown));
        QVERIFY(contentChanged(a, FileStamp{}));      // removed
        QVERIFY(contentChanged(FileStamp{}, a));      // appeared
        QVERIFY(!contentChanged(FileStamp{}, FileStamp{}));
    }
};

QTEST_GUILESS_MAIN(TestConfigEdits)
#include "tst_configedits.moc"
