// Proves idem-sandbox rejects bad input with a precise message and a
// non-zero exit, and leaves no directory or server behind when it cannot start.

#include <QDir>
#include <QProcess>
#include <QtTest>

class TestSandboxCli : public QObject
{
    Q_OBJECT

private:
    static QStringList sandboxDirs()
    {
        return QDir(QDir::tempPath()).entryList({QStringLiteral("idem-sandbox-*")}, QDir::Dirs);
    }

private slots:
    void badInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("environment");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("rate") << QStringList{QStringLiteral("--rate"), QStringLiteral("0")} << QString() << 2
                              << QStringLiteral("--rate must be between 0.1 and 5000 events per second, not \"0\"");
        QTest::newRow("delays") << QStringList{QStringLiteral("--retry-delays"), QStringLiteral("1,2")} << QString() << 2
                                << QStringLiteral("--retry-delays needs exactly three delays in seconds");
        QTest::newRow("delay value") << QStringList{QStringLiteral("--retry-delays"), QStringLiteral("1,x,3")} << QString() << 2
                                     << QStringLiteral("retry delay \"x\" is not a number of seconds between 0.05 and 3600");
        QTest::newRow("faults") << QStringList{QStringLiteral("--faults"), QStringLiteral("poison,bogus")} << QString() << 2
                                << QStringLiteral("unknown fault \"bogus\"; expected none, all or a comma-separated list of:");
        QTest::newRow("duration") << QStringList{QStringLiteral("--duration"), QStringLiteral("-3")} << QString() << 2
                                  << QStringLiteral("--duration must be a number of seconds between 0 and 604800");
        QTest::newRow("seed") << QStringList{QStringLiteral("--seed"), QStringLiteral("x")} << QString() << 2
                              << QStringLiteral("--seed must be a whole number");
        QTest::newRow("unwritable dir") << QStringList{QStringLiteral("--dir"), QStringLiteral("/proc/idem-sandbox-x")} << QString() << 1
                                        << QStringLiteral("cannot create the sandbox directory /proc/idem-sandbox-x");
        QTest::newRow("no postgres") << QStringList{} << QStringLiteral("/nonexistent/bin") << 1
                                     << QStringLiteral("IDEM_PG_BINDIR is /nonexistent/bin, but it holds no executable initdb and postgres");
    }
    void badInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, environment);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const QStringList before = sandboxDirs();
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        if (!environment.isEmpty())
            env.insert(QStringLiteral("IDEM_PG_BINDIR"), environment);
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(IDEM_SANDBOX), args + QStringList{QStringLiteral("--log-level"), QStringLiteral("error")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), exitCode);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(message), qPrintable(err));
        QVERIFY(p.readAllStandardOutput().isEmpty()); // never READY
        QCOMPARE(sandboxDirs(), before);
    }
};

QTEST_GUILESS_MAIN(TestSandboxCli)
#include "tst_sandboxcli.moc"
