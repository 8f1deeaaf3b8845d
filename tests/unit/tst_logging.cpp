// Proves logging goes to a rotating file under the user's state directory,
// one named logger per module, with Qt messages routed into the logger of
// their category, at the level given by IDEM_LOG.

#include "connectors/common/logging.h"

#include <spdlog/spdlog.h>

#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QtTest>

Q_LOGGING_CATEGORY(lcUi, "idem.ui")

class TestLogging : public QObject
{
    Q_OBJECT

private slots:
    void fileModulesAndLevel()
    {
        QTemporaryDir state;
        qputenv("XDG_STATE_HOME", state.path().toLocal8Bit());
        qputenv("IDEM_LOG", "warn");
        const QString problem = idem::connectors::setupLogging({QStringLiteral("tst"), {}, true, false, {}});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QString file = idem::connectors::logFilePath();
        QCOMPARE(file, state.path() + QStringLiteral("/idem/log/tst.log"));

        idem::connectors::logger("kafka")->warn("topic orders.events partition 3 offset 42 unreadable");
        idem::connectors::logger("kafka")->info("below the level");
        qCWarning(lcUi) << "chart export failed";
        qWarning("plain Qt warning");
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) { l->flush(); });

        QFile log(file);
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(log.readAll());
        QVERIFY2(text.contains(QStringLiteral("[kafka] topic orders.events partition 3 offset 42 unreadable")), qPrintable(text));
        QVERIFY(!text.contains(QStringLiteral("below the level")));
        QVERIFY(text.contains(QStringLiteral("[ui] chart export failed")));
        QVERIFY(text.contains(QStringLiteral("[qt] plain Qt warning")));
    }

    void unknownLevelIsReported()
    {
        QTemporaryDir state;
        qputenv("XDG_STATE_HOME", state.path().toLocal8Bit());
        const QString problem = idem::connectors::setupLogging({QStringLiteral("tst"), QStringLiteral("loud"), false, false, {}});
        QCOMPARE(problem, QStringLiteral("unknown log level \"loud\"; expected one of trace, debug, info, warn, error, critical, off"));
        QVERIFY(idem::connectors::isValidLogLevel(QStringLiteral("DEBUG")));
        QVERIFY(!idem::connectors::isValidLogLevel(QStringLiteral("verbose")));
    }
};

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
