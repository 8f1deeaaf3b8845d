// Proves logging goes to a rotating file under the user's state directory,
// one named logger per module, with Qt messages routed into the logger of
// their category, at the level given by IDEM_LOG; that the file rotates at
// its size limit, every file the owner's only; and that no line of any file,
// from spdlog or from Qt's messages, holds a registered secret.

#include "connectors/common/logging.h"
#include "connectors/common/secrets.h"

#include <spdlog/spdlog.h>

#include <QDir>
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

    void rotatesAndRedactsEveryFile()
    {
        QTemporaryDir state;
        qputenv("XDG_STATE_HOME", state.path().toLocal8Bit());
        idem::connectors::registerSecret(QStringLiteral("s3cr3t-Pa55/word"));
        idem::connectors::setLogFileLimit(4096);
        const QString problem = idem::connectors::setupLogging({QStringLiteral("rot"), QStringLiteral("info"), true, false, {}});
        idem::connectors::setLogFileLimit(5 * 1024 * 1024);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (int i = 0; i < 200; ++i) {
            idem::connectors::logger("postgres")->info("line {}: connecting with password=s3cr3t-Pa55/word", i);
            qCWarning(lcUi) << "url postgresql://u:s3cr3t-Pa55%2Fword@db/x line" << i;
        }
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) { l->flush(); });

        const QDir dir(state.path() + QStringLiteral("/idem/log"));
        const QStringList files = dir.entryList({QStringLiteral("rot*.log")}, QDir::Files, QDir::Name);
        QCOMPARE(files, (QStringList{QStringLiteral("rot.1.log"), QStringLiteral("rot.2.log"),
                                     QStringLiteral("rot.3.log"), QStringLiteral("rot.log")}));
        for (const QString &name : files) {
            QFile file(dir.filePath(name));
            QVERIFY(file.size() <= 4096 + 200);
            QCOMPARE(file.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                     QFile::Permissions());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray text = file.readAll();
            QVERIFY2(!text.contains("s3cr3t"), qPrintable(name + QStringLiteral(": ") + QString::fromUtf8(text)));
            QVERIFY2(text.contains("password=***") || text.contains("u:***@db"), qPrintable(name));
        }
        // The newest file has the last lines, scrubbed, from both sources.
        QFile newest(dir.filePath(QStringLiteral("rot.log")));
        QVERIFY(newest.open(QIODevice::ReadOnly));
        const QByteArray text = newest.readAll();
        QVERIFY2(text.contains("[postgres] line 199: connecting with password=***"), text.constData());
        QVERIFY2(text.contains("[ui] url postgresql://u:***@db/x line 199"), text.constData());
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
