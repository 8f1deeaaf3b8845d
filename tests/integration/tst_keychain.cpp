// Proves ${keychain:NAME} end to end. With a keychain service (a private
// D-Bus session with GNOME Keyring, run-with-keyring.sh): a secret stored
// through the dialog's path is read on a worker while the main thread keeps
// serving events, a store connection using it passes Test connection, and
// neither the saved config nor the log file holds it; a missing entry is
// named precisely. Without one (no D-Bus session): the check and every read
// say that no keychain service answers and name the two other ways; a read
// on the user interface thread is refused at once.

#include "connectors/common/keychain.h"
#include "connectors/common/logging.h"
#include "connectors/config/configfile.h"
#include "connectors/postgres/localpostgres.h"
#include "connectors/probe/connectiontoolsservice.h"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <future>
#include <thread>

using namespace idem;
using namespace idem::connectors;

namespace {

const QString kSecret = QStringLiteral("Kc-7hq2-secret-value");

// Reads on a worker thread while this (the main) thread serves the keychain's jobs.
std::pair<std::optional<QString>, QString> readOnWorker(const QString &name)
{
    std::promise<std::pair<std::optional<QString>, QString>> promise;
    auto future = promise.get_future();
    std::thread worker([&] {
        QString why;
        auto value = readKeychainSecret(name, &why, std::chrono::seconds(10));
        promise.set_value({value, why});
    });
    while (future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    worker.join();
    return future.get();
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestKeychain final : public QObject
{
    Q_OBJECT

    bool service() const { return qEnvironmentVariable("IDEM_TEST_KEYCHAIN") == u"service"; }

private slots:
    void uiThreadNeverWaits()
    {
        QString why;
        QVERIFY(!readKeychainSecret(QStringLiteral("anything"), &why));
        QCOMPARE(why, QStringLiteral("the keychain is not read on the user interface thread"));
    }

    void withoutService()
    {
        if (service())
            QSKIP("a keychain service runs here");
        bool answered = false;
        bool available = true;
        QString reason;
        QObject context;
        checkKeychain(&context, [&](bool a, const QString &r) {
            answered = true;
            available = a;
            reason = r;
        });
        QTRY_VERIFY(answered);
        QVERIFY(!available);
        QVERIFY(!reason.isEmpty());
        const auto [value, why] = readOnWorker(QStringLiteral("tst-pg"));
        QVERIFY(!value);
        QVERIFY2(why.startsWith(QStringLiteral("no keychain service answers (")), qPrintable(why));
        QVERIFY2(why.endsWith(QStringLiteral("); use a ${NAME} environment reference or libpq's .pgpass or service "
                                             "file instead")),
                 qPrintable(why));
    }

    void storedSecretConnectsAndStaysOutOfFiles()
    {
        if (!service())
            QSKIP("no keychain service here (run through run-with-keyring.sh)");
        QTemporaryDir state;
        qputenv("XDG_STATE_HOME", state.path().toUtf8());
        LoggingOptions logging;
        logging.appName = QStringLiteral("tst_keychain");
        logging.level = QStringLiteral("debug");
        logging.toStderr = false;
        QCOMPARE(setupLogging(logging), QString());

        probe::ConnectionToolsService tools;
        QSignalSpy checked(&tools, &models::ConnectionTools::keychainChecked);
        tools.checkKeychain();
        QVERIFY(checked.wait(10000));
        QCOMPARE(checked.at(0).at(0).toBool(), true);

        QSignalSpy stored(&tools, &models::ConnectionTools::secretStored);
        tools.storeSecret(QStringLiteral("tst-pg"), kSecret);
        QVERIFY(stored.wait(10000));
        QCOMPARE(stored.at(0).at(1).toString(), QString());
        clearKeychainCache(); // the next read goes to the keychain itself
        const auto [value, why] = readOnWorker(QStringLiteral("tst-pg"));
        QVERIFY2(value, qPrintable(why));
        QCOMPARE(*value, kSecret);

        const auto [missing, missingWhy] = readOnWorker(QStringLiteral("tst-missing"));
        QVERIFY(!missing);
        QCOMPARE(missingWhy, QStringLiteral("no secret tst-missing in the keychain (service idem); store it from the "
                                            "connections dialog"));

        auto pg = LocalPostgres::start();
        QVERIFY2(pg, pg ? "" : qPrintable(pg.error()));
        {
            pqxx::connection c((*pg)->connectionString().toStdString());
            pqxx::nontransaction tx(c);
            tx.exec("CREATE ROLE kc_reader LOGIN PASSWORD '" + kSecret.toStdString() + "'");
            tx.exec("CREATE DATABASE ops OWNER kc_reader");
        }
        models::Config config;
        models::EnvironmentConfig env;
        env.name = QStringLiteral("e");
        env.ops = models::OpsDatabaseConfig{QStringLiteral("host=127.0.0.1 port=%1 dbname=ops user=kc_reader "
                                                           "password=${keychain:tst-pg}")
                                                .arg((*pg)->port())};
        config.environments.append(env);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QVERIFY(saveConfig(config, path).ok());

        clearKeychainCache();
        QSignalSpy tested(&tools, &models::ConnectionTools::tested);
        tools.testOps(*env.ops);
        QVERIFY(tested.wait(30000));
        const auto report = tested.at(0).at(1).value<models::ProbeReport>();
        // Signed in with the keychain's password; the schema is not there yet.
        QCOMPARE(report.step(QStringLiteral("Authentication"))->detail, QStringLiteral("connected as kc_reader"));
        QCOMPARE(report.step(QStringLiteral("Authorization"))->detail,
                 QStringLiteral("schema idem does not exist: run idemctl ops migrate; kc_reader is in none of the roles "
                                "idem_viewer, idem_operator, idem_approver"));

        logger("postgres")->warn("a line that names the secret {}", kSecret.toStdString());
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) { l->flush(); });
        const QByteArray log = readAll(logFilePath());
        QVERIFY(log.contains("a line that names the secret ***"));
        QVERIFY(!log.contains(kSecret.toUtf8()));
        QVERIFY(!readAll(path).contains(kSecret.toUtf8()));
        QVERIFY(readAll(path).contains("${keychain:tst-pg}"));
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
