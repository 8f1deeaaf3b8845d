// Proves a ${NAME} value can neither add nor override a connection keyword
// whatever it holds, that every expanded secret is scrubbed (raw and
// URL-encoded) from texts and from every log line, that the log file is
// readable by its owner only, and the one rule for configured table names.

#include "connectors/common/logging.h"
#include "connectors/common/secrets.h"
#include "connectors/postgres/pgconninfo.h"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace idem;
using namespace idem::connectors;
using namespace idem::connectors::postgres;

namespace {

QString keyword(const ConnectionKeywords &keywords, const QString &name)
{
    for (const auto &[k, v] : keywords) {
        if (k == name)
            return v;
    }
    return QStringLiteral("<unset>");
}

QStringList names(const ConnectionKeywords &keywords)
{
    QStringList out;
    for (const auto &kv : keywords)
        out << kv.first;
    return out;
}

} // namespace

class TestSecrets : public QObject
{
    Q_OBJECT

private slots:
    void secretCannotAddOrOverrideKeywords_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::newRow("space") << QStringLiteral("pass word");
        QTest::newRow("quote") << QStringLiteral("it's");
        QTest::newRow("percent") << QStringLiteral("100%25sure%");
        QTest::newRow("slash") << QStringLiteral("a/b//c");
        QTest::newRow("bracket") << QStringLiteral("[::1]x");
        QTest::newRow("keyword") << QStringLiteral("x sslmode=disable");
        QTest::newRow("backslash") << QStringLiteral("a\\' sslmode=disable \\");
        QTest::newRow("at and colon") << QStringLiteral("u:p@evil.example:1/db?sslmode=disable");
    }
    void secretCannotAddOrOverrideKeywords()
    {
        QFETCH(QString, secret);
        qputenv("IDEM_TST_SECRET", secret.toUtf8());
        const QStringList forms = {
            QStringLiteral("host=db.example port=5432 user=reader dbname=billing sslmode=verify-full password=${IDEM_TST_SECRET}"),
            QStringLiteral("postgresql://reader:${IDEM_TST_SECRET}@db.example:5432/billing?sslmode=verify-full"),
        };
        for (const QString &form : forms) {
            auto built = buildConnectionString(form);
            QVERIFY2(built.ok(), qPrintable(built.error()));
            auto keywords = parseConnectionKeywords(*built);
            QVERIFY2(keywords.ok(), qPrintable(keywords.error()));
            QCOMPARE(keyword(*keywords, QStringLiteral("password")), secret);
            QCOMPARE(keyword(*keywords, QStringLiteral("sslmode")), QStringLiteral("verify-full"));
            QCOMPARE(keyword(*keywords, QStringLiteral("host")), QStringLiteral("db.example"));
            QCOMPARE(keyword(*keywords, QStringLiteral("dbname")), QStringLiteral("billing"));
            QCOMPARE(keyword(*keywords, QStringLiteral("user")), QStringLiteral("reader"));
            QStringList expected = {QStringLiteral("user"),
                                    QStringLiteral("password"),
                                    QStringLiteral("connect_timeout"),
                                    QStringLiteral("dbname"),
                                    QStringLiteral("host"),
                                    QStringLiteral("port"),
                                    QStringLiteral("application_name"),
                                    QStringLiteral("keepalives"),
                                    QStringLiteral("keepalives_idle"),
                                    QStringLiteral("keepalives_interval"),
                                    QStringLiteral("keepalives_count"),
                                    QStringLiteral("tcp_user_timeout"),
                                    QStringLiteral("sslmode")};
            QStringList got = names(*keywords);
            expected.sort();
            got.sort();
            QCOMPARE(got, expected);
            // Registered: gone from any text, raw or URL-encoded.
            const QString text = QStringLiteral("failed for \"%1\" (%2)")
                                     .arg(secret, QString::fromLatin1(QUrl::toPercentEncoding(secret)));
            QCOMPARE(scrubSecrets(text), QStringLiteral("failed for \"***\" (***)"));
        }
        qunsetenv("IDEM_TST_SECRET");
    }

    void defaultsAddedUnlessSet()
    {
        auto built = buildConnectionString(QStringLiteral("service=idem-billing connect_timeout=9 keepalives=0"));
        QVERIFY2(built.ok(), qPrintable(built.error()));
        auto keywords = parseConnectionKeywords(*built);
        QVERIFY(keywords.ok());
        QCOMPARE(keyword(*keywords, QStringLiteral("service")), QStringLiteral("idem-billing"));
        QCOMPARE(keyword(*keywords, QStringLiteral("connect_timeout")), QStringLiteral("9"));
        QCOMPARE(keyword(*keywords, QStringLiteral("keepalives")), QStringLiteral("0"));
        QCOMPARE(keyword(*keywords, QStringLiteral("tcp_user_timeout")), QStringLiteral("10000"));
        QCOMPARE(keyword(*keywords, QStringLiteral("keepalives_idle")), QStringLiteral("30"));
        QCOMPARE(keyword(*keywords, QStringLiteral("application_name")), QStringLiteral("idem"));
        QCOMPARE(keyword(*keywords, QStringLiteral("options")), QStringLiteral("<unset>"));
    }

    void errorsRepeatNoValue()
    {
        qunsetenv("IDEM_TST_UNSET");
        auto unset = buildConnectionString(QStringLiteral("host=db password=${IDEM_TST_UNSET}"));
        QVERIFY(!unset.ok());
        QCOMPARE(unset.error(),
                 QStringLiteral("the connection string's password: environment variable IDEM_TST_UNSET is not set"));
        // A literal password in a malformed string is not quoted back.
        auto malformed = buildConnectionString(QStringLiteral("host=db hunter2secret"));
        QVERIFY(!malformed.ok());
        QVERIFY2(!malformed.error().contains(QStringLiteral("hunter2secret")), qPrintable(malformed.error()));
        QVERIFY2(malformed.error().startsWith(QStringLiteral("the connection string is not valid: ")),
                 qPrintable(malformed.error()));
        auto unknown = buildConnectionString(QStringLiteral("host=db sslmod=require"));
        QVERIFY(!unknown.ok());
        QVERIFY2(unknown.error().contains(QStringLiteral("\"sslmod\"")) || unknown.error().contains(QStringLiteral("…")),
                 qPrintable(unknown.error()));
    }

    void passwordsRegisteredEvenLiteral()
    {
        auto built = buildConnectionString(QStringLiteral("host=db password=literalpw42"));
        QVERIFY(built.ok());
        QCOMPARE(scrubSecrets(QStringLiteral("x literalpw42 y")), QStringLiteral("x *** y"));
        // Ordinary values are not secrets.
        QCOMPARE(scrubSecrets(QStringLiteral("host db")), QStringLiteral("host db"));
    }

    void logLinesAreScrubbed()
    {
        QTemporaryDir state;
        qputenv("XDG_STATE_HOME", state.path().toLocal8Bit());
        // A log file left by an older version, readable by everyone.
        const QString dir = state.path() + QStringLiteral("/idem/log");
        QVERIFY(QDir().mkpath(dir));
        const QString path = dir + QStringLiteral("/tstsecrets.log");
        {
            QFile old(path);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("old line\n");
        }
        QVERIFY(::chmod(path.toLocal8Bit().constData(), 0644) == 0);
        const QString problem = setupLogging({QStringLiteral("tstsecrets"), QStringLiteral("info"), true, false, {}});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(logFilePath(), path);
        struct stat st {};
        QVERIFY(::stat(path.toLocal8Bit().constData(), &st) == 0);
        QCOMPARE(st.st_mode & 0777, mode_t(0600));

        auto captured = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
        addLogSink(captured);
        const QString secret = QStringLiteral("s3cr et'%/[x sslmode=disable");
        registerSecret(secret);
        logger("postgres")->warn("cannot connect: password {} refused ({})", secret.toStdString(),
                                 QUrl::toPercentEncoding(secret).toStdString());
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) { l->flush(); });
        const auto lines = captured->last_formatted();
        QCOMPARE(int(lines.size()), 1);
        const QString line = QString::fromStdString(lines.front());
        QVERIFY2(line.contains(QStringLiteral("cannot connect: password *** refused (***)")), qPrintable(line));
        QFile log(path);
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(log.readAll());
        QVERIFY2(text.contains(QStringLiteral("password *** refused")), qPrintable(text));
        QVERIFY(!text.contains(secret));
        setupLogging({QStringLiteral("tstsecrets"), QStringLiteral("info"), false, false, {}});
    }

    void newLogFileIsOwnerOnly()
    {
        QTemporaryDir state;
        qputenv("XDG_STATE_HOME", state.path().toLocal8Bit());
        const mode_t old = ::umask(0022);
        const QString problem = setupLogging({QStringLiteral("fresh"), QStringLiteral("info"), true, false, {}});
        ::umask(old);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        struct stat st {};
        QVERIFY(::stat(logFilePath().toLocal8Bit().constData(), &st) == 0);
        QCOMPARE(st.st_mode & 0777, mode_t(0600));
        QVERIFY(::stat(QFileInfo(logFilePath()).path().toLocal8Bit().constData(), &st) == 0);
        QCOMPARE(st.st_mode & 0777, mode_t(0700));
        setupLogging({QStringLiteral("fresh"), QStringLiteral("info"), false, false, {}});
    }

    void tableNames_data()
    {
        QTest::addColumn<QString>("configured");
        QTest::addColumn<QString>("quoted");
        QTest::newRow("plain") << QStringLiteral("processed_events") << QStringLiteral("\"processed_events\"");
        QTest::newRow("folded") << QStringLiteral("Processed") << QStringLiteral("\"processed\"");
        QTest::newRow("mixed case") << QStringLiteral("\"Processed\"") << QStringLiteral("\"Processed\"");
        QTest::newRow("schema") << QStringLiteral("audit.processed_events")
                                << QStringLiteral("\"audit\".\"processed_events\"");
        QTest::newRow("quoted dots") << QStringLiteral("\"my.schema\".\"a.b\"") << QStringLiteral("\"my.schema\".\"a.b\"");
        QTest::newRow("quote in name") << QStringLiteral("\"a\"\"b\"") << QStringLiteral("\"a\"\"b\"");
        QTest::newRow("injection") << QStringLiteral("\"x\"\"; DROP TABLE t; --\"")
                                   << QStringLiteral("\"x\"\"; DROP TABLE t; --\"");
    }
    void tableNames()
    {
        QFETCH(QString, configured);
        QFETCH(QString, quoted);
        auto parsed = parseTableName(configured);
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        QCOMPARE(parsed->quoted(), quoted);
    }

    void badTableNames_data()
    {
        QTest::addColumn<QString>("configured");
        QTest::newRow("empty") << QString();
        QTest::newRow("three parts") << QStringLiteral("a.b.c");
        QTest::newRow("unclosed") << QStringLiteral("\"abc");
        QTest::newRow("empty part") << QStringLiteral("audit.");
        QTest::newRow("stray quote") << QStringLiteral("ab\"c\"");
    }
    void badTableNames()
    {
        QFETCH(QString, configured);
        auto parsed = parseTableName(configured);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().startsWith(QStringLiteral("the table name")), qPrintable(parsed.error()));
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
