// Proves alerts end to end on the sandbox: two headless recorders (idemctl
// watch, as two consoles would) race for the lease; billing's outage fires a
// rising dead-letter alert on flow orders that both see through idemctl
// alerts (exit 4 while open) and that resolves after the outage ends (exit
// 0), recorded once; the holder stopped with SIGTERM hands over to the other
// without losing the alert. (Acknowledgements: tst_metricrecorder.)

#include "connectors/config/configfile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace idem;

class TestAlertSandbox : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_sandbox;
    QString m_config;
    QProcess m_watch[2];

    struct Ctl
    {
        int exit = -1;
        QJsonObject json;
        QString err;
    };

    Ctl ctl(const QString &user, const QStringList &args)
    {
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), QStringList{QStringLiteral("--config"), m_config, QStringLiteral("--user"), user} + args);
        Ctl r;
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            r.err = QStringLiteral("timed out");
            return r;
        }
        r.exit = p.exitCode();
        r.json = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    // The rising dead-letter alert of flow orders as `user` sees it, or an empty object.
    QJsonObject risingAlert(const QString &user, int *exit = nullptr)
    {
        const Ctl r = ctl(user, {QStringLiteral("alerts"), QStringLiteral("--json")});
        if (exit)
            *exit = r.exit;
        for (const QJsonValue &v : r.json.value(QStringLiteral("alerts")).toArray()) {
            const QJsonObject a = v.toObject();
            if (a.value(QStringLiteral("rule")).toString() == QLatin1String("rising")
                && a.value(QStringLiteral("flow")).toString() == QLatin1String("orders")
                && a.value(QStringLiteral("subject")).toString() == QLatin1String("dead_letters_per_minute"))
                return a;
        }
        return {};
    }

    void startWatch(int i, const QString &user)
    {
        m_watch[i].setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_watch[i].start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), m_config, QStringLiteral("--user"), user,
                                                    QStringLiteral("--log-level"), QStringLiteral("warn"),
                                                    QStringLiteral("watch"), QStringLiteral("--interval"),
                                                    QStringLiteral("0.5"), QStringLiteral("--window"), QStringLiteral("10")});
        QVERIFY(m_watch[i].waitForStarted());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        ::chmod(m_dir.path().toLocal8Bit().constData(), 0711); // as root, postgres must enter it
        // Only billing's outage: from 15 s for 3.8 s, longer than its retries.
        m_sandbox.setProgram(QStringLiteral(IDEM_SANDBOX));
        m_sandbox.setArguments({QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--rate"), QStringLiteral("30"),
                                QStringLiteral("--faults"), QStringLiteral("outage"), QStringLiteral("--retry-delays"),
                                QStringLiteral("0.5,0.5,0.5"), QStringLiteral("--log-level"), QStringLiteral("warn")});
        m_sandbox.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_sandbox.start();
        QVERIFY(m_sandbox.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_sandbox.canReadLine() || m_sandbox.state() != QProcess::Running, 90000);
        const QString ready = QString::fromUtf8(m_sandbox.readLine()).trimmed();
        QVERIFY2(ready.startsWith(QStringLiteral("READY /")), qPrintable(ready));
        // The sandbox's configuration with short alert windows, beside it (its pgpass stays found).
        auto config = connectors::loadConfig(ready.mid(6), connectors::VariableCheck::Skipped);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        for (auto &env : config->environments) {
            for (auto &flow : env.flows) {
                flow.alerts.lagStatus = false;
                flow.alerts.thresholds = false;
                flow.alerts.risingWindowMs = 5000;
                flow.alerts.risingForMs = 1000;
            }
        }
        m_config = QFileInfo(ready.mid(6)).dir().filePath(QStringLiteral("idem-alerts.yaml"));
        QFile out(m_config);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(connectors::writeConfig(*config));
        out.close();
    }

    void outageFiresARisingDeadLetterAlertSeenByBoth()
    {
        startWatch(0, QStringLiteral("alice"));
        startWatch(1, QStringLiteral("carol"));
        // Fired while the outage dead-letters, seen alike by two people.
        QJsonObject fired;
        int exit = -1;
        QTRY_VERIFY_WITH_TIMEOUT(!(fired = risingAlert(QStringLiteral("alice"), &exit)).isEmpty(), 90000);
        QVERIFY(fired.value(QStringLiteral("open")).toBool());
        QCOMPARE(exit, 4);
        const QJsonObject seen = risingAlert(QStringLiteral("bob"), &exit);
        QCOMPARE(seen.value(QStringLiteral("id")), fired.value(QStringLiteral("id")));
        QCOMPARE(exit, 4);

        // One recorder stops cleanly (SIGTERM); whichever held the lease, the alert is still resolved.
        m_watch[0].terminate();
        QVERIFY(m_watch[0].waitForFinished(20000));
        QCOMPARE(m_watch[0].exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_watch[0].exitCode(), 0);

        QJsonObject resolved;
        QTRY_VERIFY_WITH_TIMEOUT(!(resolved = risingAlert(QStringLiteral("carol"))).value(QStringLiteral("open")).toBool(true),
                                 90000);
        QCOMPARE(resolved.value(QStringLiteral("id")), fired.value(QStringLiteral("id")));
        QVERIFY(!resolved.value(QStringLiteral("resolved_at")).toString().isEmpty());
        QVERIFY(resolved.value(QStringLiteral("worst")).toDouble() >= 1);
        const Ctl open = ctl(QStringLiteral("carol"), {QStringLiteral("alerts"), QStringLiteral("--open"), QStringLiteral("--json")});
        QCOMPARE(open.exit, 0);

        // Two recorders watched; the alert is recorded once.
        const Ctl all = ctl(QStringLiteral("bob"), {QStringLiteral("alerts"), QStringLiteral("--json")});
        int risingCount = 0;
        for (const QJsonValue &v : all.json.value(QStringLiteral("alerts")).toArray())
            risingCount += v.toObject().value(QStringLiteral("subject")).toString() == QLatin1String("dead_letters_per_minute");
        QCOMPARE(risingCount, 1); // recorded once, though two recorders watched
    }

    void cleanupTestCase()
    {
        for (QProcess &w : m_watch) {
            if (w.state() != QProcess::NotRunning) {
                w.terminate();
                if (!w.waitForFinished(20000))
                    w.kill();
            }
        }
        if (m_sandbox.state() != QProcess::NotRunning) {
            m_sandbox.terminate();
            if (!m_sandbox.waitForFinished(30000))
                m_sandbox.kill();
        }
    }
};

QTEST_GUILESS_MAIN(TestAlertSandbox)
#include "tst_alertsandbox.moc"
