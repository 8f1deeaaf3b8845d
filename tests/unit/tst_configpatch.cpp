// Proves that saving over a hand-written configuration edits only the values
// that changed: comments, key order and quoting elsewhere stay byte for byte;
// where an edit cannot be made in place, a .bak is kept and the caller told;
// a file that cannot be written is left as it was with a precise message.

#include "connectors/config/configfile.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QDir>
#include <QScopeGuard>
#include <QTest>

using namespace idem;
using models::Config;

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray example()
{
    return readAll(QStringLiteral(IDEM_EXAMPLE_CONFIG));
}

Config parsed(const QByteArray &text)
{
    auto config = connectors::parseConfig(text, QStringLiteral("idem.yaml"), connectors::VariableCheck::Skipped);
    if (!config)
        qFatal("%s", qPrintable(config.error()));
    return config.value();
}

models::KafkaClusterConfig &cluster(Config &config, const QString &env, const QString &name)
{
    for (auto &e : config.environments) {
        for (auto &c : e.clusters) {
            if (e.name == env && c.name == name)
                return c;
        }
    }
    qFatal("no cluster");
}

void setClusterProperty(models::KafkaClusterConfig &c, const QString &key, const QString &value)
{
    for (auto &[k, v] : c.properties) {
        if (k == key) {
            v = value;
            return;
        }
    }
    c.properties.append({key, value});
}

} // namespace

class TestConfigPatch final : public QObject
{
    Q_OBJECT

private slots:
    void changedValueOnly_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QByteArray>("before");
        QTest::addColumn<QByteArray>("after");
        QTest::newRow("plain property") << "bootstrap" << QByteArray("bootstrap.servers: 127.0.0.1:9092")
                                         << QByteArray("bootstrap.servers: 127.0.0.1:19092");
        QTest::newRow("quoted connection") << "connection"
                                           << QByteArray("connection: \"service=idem-shipping\"")
                                           << QByteArray("connection: \"service=idem-shipping sslmode=verify-full\"");
        QTest::newRow("flow map value") << "threshold" << QByteArray("lag: 1000,") << QByteArray("lag: 2500,");
        QTest::newRow("reference") << "reference" << QByteArray("sasl.password: ${IDEM_KAFKA_PASSWORD:-}")
                                   << QByteArray("sasl.password: \"${keychain:idem-kafka-prod}\"");
    }

    void changedValueOnly()
    {
        QFETCH(QString, what);
        QFETCH(QByteArray, before);
        QFETCH(QByteArray, after);
        const QByteArray original = example();
        QCOMPARE(original.count(before), 1);
        Config config = parsed(original);
        if (what == u"bootstrap")
            setClusterProperty(cluster(config, QStringLiteral("sandbox"), QStringLiteral("main")),
                        QStringLiteral("bootstrap.servers"), QStringLiteral("127.0.0.1:19092"));
        else if (what == u"connection")
            config.environments[0].stores[1].connection = QStringLiteral("service=idem-shipping sslmode=verify-full");
        else if (what == u"threshold")
            config.environments[0].flows[0].thresholds[QStringLiteral("lag")] = 2500;
        else
            setClusterProperty(cluster(config, QStringLiteral("production"), QStringLiteral("main")),
                        QStringLiteral("sasl.password"), QStringLiteral("${keychain:idem-kafka-prod}"));

        const auto patched = connectors::patchConfigText(original, config);
        QVERIFY(patched);
        QByteArray expected = original;
        expected.replace(before, after);
        QCOMPARE(*patched, expected); // everything else, comments included, byte for byte
        QVERIFY(parsed(*patched) == config);
    }

    void addedPropertyGoesAfterItsSiblings()
    {
        const QByteArray original = example();
        Config config = parsed(original);
        auto &main = cluster(config, QStringLiteral("sandbox"), QStringLiteral("main"));
        setClusterProperty(main, QStringLiteral("security.protocol"), QStringLiteral("SASL_SSL"));
        setClusterProperty(main, QStringLiteral("sasl.mechanism"), QStringLiteral("SCRAM-SHA-256"));
        const auto patched = connectors::patchConfigText(original, config);
        QVERIFY(patched);
        QByteArray expected = original;
        expected.replace("        client.id: idem-console\n",
                         "        client.id: idem-console\n        security.protocol: SASL_SSL\n"
                         "        sasl.mechanism: SCRAM-SHA-256\n");
        QCOMPARE(*patched, expected);
    }

    void removedPropertyTakesItsLineOnly()
    {
        const QByteArray original = example();
        Config config = parsed(original);
        auto &prod = cluster(config, QStringLiteral("production"), QStringLiteral("main"));
        prod.properties.removeIf([](const auto &p) { return p.first == u"ssl.ca.location"; });
        const auto patched = connectors::patchConfigText(original, config);
        QVERIFY(patched);
        QByteArray expected = original;
        expected.replace("        ssl.ca.location: /etc/ssl/certs/ca-certificates.crt\n", "");
        QCOMPARE(*patched, expected);
    }

    void flowListReplacedWhole()
    {
        const QByteArray original = example();
        Config config = parsed(original);
        config.environments[0].flows[0].retryTopics.removeLast();
        const auto patched = connectors::patchConfigText(original, config);
        QVERIFY(patched);
        QByteArray expected = original;
        expected.replace("retry_topics: [orders.retry.1m, orders.retry.5m, orders.retry.30m]",
                         "retry_topics: [orders.retry.1m, orders.retry.5m]");
        QCOMPARE(*patched, expected);
    }

    void saveKeepsCommentsWithoutBackup()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QFile::copy(QStringLiteral(IDEM_EXAMPLE_CONFIG), path);
        const QByteArray original = readAll(path);
        Config config = parsed(original);
        config.environments[0].stores[0].statementTimeoutMs = 7000;
        QString note;
        const Status saved = connectors::saveConfig(config, path, &note);
        QVERIFY2(saved.ok(), qPrintable(saved.error()));
        QCOMPARE(note, QString());
        QVERIFY(!QFile::exists(path + QStringLiteral(".bak")));
        QByteArray expected = original;
        expected.replace("statement_timeout_ms: 5000", "statement_timeout_ms: 7000");
        QCOMPARE(readAll(path), expected);
    }

    void unsupportedEditKeepsBackupAndSaysSo()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        // A block list whose length changes is not edited in place.
        const QByteArray original = "# mine\nversion: 1\nenvironments:\n  e:\n    kafka:\n      k:\n"
                                    "        bootstrap.servers: a:1\n    flows:\n      f:\n        cluster: k\n"
                                    "        topics:\n          - t1\n          - t2\n";
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(original);
        f.close();
        Config config = parsed(original);
        config.environments[0].flows[0].topics.removeLast();
        QVERIFY(!connectors::patchConfigText(original, config));
        QString note;
        const Status saved = connectors::saveConfig(config, path, &note);
        QVERIFY2(saved.ok(), qPrintable(saved.error()));
        QCOMPARE(note, QStringLiteral("The changes could not be made in place, so %1 was written anew without its "
                                      "comments; the previous file is kept as %1.bak.")
                           .arg(path));
        QCOMPARE(readAll(path + QStringLiteral(".bak")), original);
        QVERIFY(parsed(readAll(path)) == config);
    }

    void unwritableFileIsLeftAsItWas()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath(QStringLiteral("locked"));
        QVERIFY(QDir().mkpath(folder));
        const QString path = folder + QStringLiteral("/idem.yaml");
        QFile::copy(QStringLiteral(IDEM_EXAMPLE_CONFIG), path);
        const QByteArray original = readAll(path);
        // Root ignores permission bits; an immutable folder refuses even root.
        if (QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("+i"), folder}) != 0)
            QSKIP("chattr +i is not available here");
        const auto unlock = qScopeGuard([&] { QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("-i"), folder}); });
        Config config = parsed(original);
        config.environments[0].stores[0].statementTimeoutMs = 7000;
        const Status saved = connectors::saveConfig(config, path);
        QVERIFY(!saved.ok());
        QVERIFY2(saved.error().startsWith(QStringLiteral("cannot write the configuration %1: ").arg(path)),
                 qPrintable(saved.error()));
        QVERIFY2(saved.error().endsWith(QStringLiteral(". Nothing was changed: the file is as it was.")),
                 qPrintable(saved.error()));
        QCOMPARE(readAll(path), original);
    }
};

QTEST_GUILESS_MAIN(TestConfigPatch)
#include "tst_configpatch.moc"
