// Proves the connections dialog's credentials and tools as a person uses
// them: the security fields write librdkafka properties (SASL, TLS files);
// Test connection shows the worker's answer in words; with no keychain
// service the dialog says so and offers ${NAME} and .pgpass; a keychain that
// refuses a secret is reported and nothing is written; a stored secret
// leaves only its ${keychain:NAME} reference in the file; the mapping
// assistant proposes the shipping store's names and writes them into the
// store on "Use this mapping", and says precisely when no column looks like
// an event id. The tools are a fake: the dialog never waits on them.

#include "connectors/config/configfile.h"
#include "models/config/connectiontools.h"
#include "ui/dialogs/connectionsdialog.h"
#include "ui/dialogs/storemappingdialog.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QInputDialog>
#include <QMessageBox>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QtTest>

using namespace idem;

namespace {

const QByteArray kConfig = R"(version: 1
environments:
  sandbox:
    kafka:
      main:
        bootstrap.servers: 127.0.0.1:9092
    stores:
      shipping:
        connection: "service=idem-shipping"
    flows:
      orders:
        cluster: main
        topics: [orders.events]
        groups:
          shipping: { store: shipping }
)";

class FakeTools final : public models::ConnectionTools
{
public:
    quint64 testCluster(const models::KafkaClusterConfig &cluster, const QStringList &topics,
                        const QStringList &groups) override
    {
        lastCluster = cluster;
        lastTopics = topics;
        lastGroups = groups;
        return ++m_id;
    }
    quint64 testStore(const models::StoreConfig &) override { return ++m_id; }
    quint64 testOps(const models::OpsDatabaseConfig &) override { return ++m_id; }
    quint64 describeStore(const models::StoreConfig &) override
    {
        const quint64 id = ++m_id;
        QTimer::singleShot(0, this, [this, id] {
            models::StoreSchemaReply reply;
            reply.request = id;
            reply.tables = tables;
            emit storeDescribed(reply);
        });
        return id;
    }
    quint64 sampleRows(const models::StoreConfig &, const QString &table, const QStringList &columns, int) override
    {
        const quint64 id = ++m_id;
        QTimer::singleShot(0, this, [this, id, table, columns] {
            models::SampleRowsReply reply;
            reply.request = id;
            reply.table = table;
            reply.columns = columns;
            reply.rows = {QStringList(columns.size(), QStringLiteral("v"))};
            emit rowsSampled(reply);
        });
        return id;
    }
    void checkKeychain() override
    {
        QTimer::singleShot(0, this, [this] { emit keychainChecked(keychainAvailable, keychainReason); });
    }
    void storeSecret(const QString &name, const QString &value) override
    {
        storedName = name;
        storedValue = value;
        QTimer::singleShot(0, this, [this, name] { emit secretStored(name, refuseWith); });
    }

    quint64 lastId() const { return m_id; }

    models::KafkaClusterConfig lastCluster;
    QStringList lastTopics;
    QStringList lastGroups;
    QList<models::TableInfo> tables;
    bool keychainAvailable = false;
    QString keychainReason = QStringLiteral("Cannot autolaunch D-Bus without X11 $DISPLAY");
    QString refuseWith;
    QString storedName;
    QString storedValue;

private:
    quint64 m_id = 0;
};

class MemoryStorage final : public models::ConfigStorage
{
public:
    QByteArray text(const models::Config &config) const override { return m_file.text(config); }
    Result<models::Config> read(const QByteArray &text, const QString &source) const override
    {
        return m_file.read(text, source);
    }
    Status save(const models::Config &) override { return Status::success(); }
    connectors::YamlConfigStorage m_file;
};

models::Config loaded()
{
    auto config = connectors::parseConfig(kConfig, QStringLiteral("idem.yaml"), connectors::VariableCheck::Skipped);
    if (!config)
        qFatal("%s", qPrintable(config.error()));
    return config.value();
}

template<typename T> T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qFatal("no child %s", qPrintable(name));
    return found;
}

QList<models::TableInfo> inboxTables()
{
    auto col = [](const char *name, const char *type, bool pk = false) {
        return models::ColumnInfo{QString::fromLatin1(name), QString::fromLatin1(type), pk};
    };
    return {
        {QStringLiteral("public"), QStringLiteral("inbox"),
         {col("message_id", "text", true), col("aggregate_key", "text"), col("message_type", "text"),
          col("schema_version", "integer"), col("state", "text"), col("tries", "integer"),
          col("received_at", "timestamp with time zone"), col("handled_at", "timestamp with time zone"),
          col("note", "text")}},
        {QStringLiteral("public"), QStringLiteral("inbox_log"),
         {col("message_id", "text"), col("try_no", "integer"), col("result", "text"), col("failure", "text"),
          col("logged_at", "timestamp with time zone")}},
    };
}

// Types `secret` into the keychain prompt about to open, and accepts it.
void answerSecret(const QString &secret)
{
    QTimer::singleShot(0, [secret] {
        auto *input = qobject_cast<QInputDialog *>(QApplication::activeModalWidget());
        QVERIFY(input);
        input->setTextValue(secret);
        input->accept();
    });
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Replaces a line edit's text as a person does, and leaves the field.
void retype(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
    QTest::keyClick(edit, Qt::Key_Return);
}

// The file kConfig with a comment and its flow's topics as a block list, and the dialog on it.
struct OnDisk
{
    QTemporaryDir dir;
    QString folder = dir.filePath(QStringLiteral("conf"));
    QString path = folder + QStringLiteral("/idem.yaml");
    QByteArray original;
    connectors::YamlConfigStorage storage;
    std::unique_ptr<ui::ConnectionsDialog> dialog;

    OnDisk()
    {
        QDir().mkpath(folder);
        original = QByteArray("# my own notes\n")
            + QByteArray(kConfig).replace("topics: [orders.events]", "topics:\n          - orders.events");
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        f.write(original);
        f.close();
        auto config = storage.load(path);
        if (!config)
            qFatal("%s", qPrintable(config.error()));
        dialog = std::make_unique<ui::ConnectionsDialog>(config.value(), QStringLiteral("sandbox"), &storage);
        dialog->show();
    }

    // A second topic: a block list that grows cannot be edited in place.
    void addTopic()
    {
        child<QTabWidget>(dialog.get(), QStringLiteral("connectionsTabs"))->setCurrentIndex(2);
        retype(child<QLineEdit>(dialog.get(), QStringLiteral("flowTopics")), QStringLiteral("orders.events, orders.more"));
    }
};

// The dialog on kConfig's sandbox environment with the fake tools, shown.
struct Opened
{
    MemoryStorage storage;
    FakeTools tools;
    ui::ConnectionsDialog dialog{loaded(), QStringLiteral("sandbox"), &storage};

    Opened()
    {
        dialog.setConnectionTools(&tools);
        dialog.show();
    }
};

} // namespace

class TestConnectionTools final : public QObject
{
    Q_OBJECT

private slots:
    void securityFieldsWriteProperties()
    {
        Opened opened;
        auto &[storage, tools, dialog] = opened;
        auto *protocol = child<QComboBox>(&dialog, QStringLiteral("securityProtocol"));
        protocol->setCurrentIndex(protocol->findText(QStringLiteral("SASL_SSL")));
        emit protocol->activated(protocol->currentIndex());
        auto *mechanism = child<QComboBox>(&dialog, QStringLiteral("saslMechanism"));
        mechanism->setCurrentIndex(mechanism->findText(QStringLiteral("SCRAM-SHA-512")));
        emit mechanism->activated(mechanism->currentIndex());
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("sasl_username")), QStringLiteral("svc-idem"));
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("sasl_password")), QStringLiteral("${KAFKA_PW}"));
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("ssl_ca_location")), QStringLiteral("/etc/ca.pem"));
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("ssl_certificate_location")), QStringLiteral("/etc/c.pem"));
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("ssl_key_location")), QStringLiteral("/etc/c.key"));
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("ssl_key_password")), QStringLiteral("${keychain:key-pw}"));
        dialog.validate();
        QCOMPARE(dialog.problems(), QStringList());
        const models::KafkaClusterConfig cluster = dialog.config().environments[0].clusters[0];
        QCOMPARE(cluster.properties,
                 models::Properties({{QStringLiteral("bootstrap.servers"), QStringLiteral("127.0.0.1:9092")},
                                     {QStringLiteral("security.protocol"), QStringLiteral("SASL_SSL")},
                                     {QStringLiteral("sasl.mechanism"), QStringLiteral("SCRAM-SHA-512")},
                                     {QStringLiteral("sasl.username"), QStringLiteral("svc-idem")},
                                     {QStringLiteral("sasl.password"), QStringLiteral("${KAFKA_PW}")},
                                     {QStringLiteral("ssl.ca.location"), QStringLiteral("/etc/ca.pem")},
                                     {QStringLiteral("ssl.certificate.location"), QStringLiteral("/etc/c.pem")},
                                     {QStringLiteral("ssl.key.location"), QStringLiteral("/etc/c.key")},
                                     {QStringLiteral("ssl.key.password"), QStringLiteral("${keychain:key-pw}")}}));
        // The README's picture: IDEM_SCREENSHOT_DIR=docs ctest -R tst_connectiontools
        if (const QString dir = qEnvironmentVariable("IDEM_SCREENSHOT_DIR"); !dir.isEmpty()) {
            QTRY_VERIFY(child<QLabel>(&dialog, QStringLiteral("keychainStatus"))->text().startsWith(u"No keychain"));
            models::ProbeReport report;
            report.target = QStringLiteral("cluster main");
            report.pass(QStringLiteral("Settings"), QStringLiteral("1 broker address(es), security.protocol SASL_SSL"));
            report.pass(QStringLiteral("Name resolution"), QStringLiteral("127.0.0.1 is an address"));
            report.pass(QStringLiteral("TCP connect"), QStringLiteral("127.0.0.1:9092 in 0.2 ms"));
            report.fail(QStringLiteral("TLS handshake"),
                        QStringLiteral("ssl.ca.location failed: error:80000002:system library::No such file or directory"));
            QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("clusterTestButton")), Qt::LeftButton);
            emit tools.tested(tools.lastId(), report);
            dialog.resize(1100, 900);
            QVERIFY(dialog.grab().save(dir + QStringLiteral("/connections-credentials.png")));
        }
        // A literal password is masked in its field and pointed out.
        auto *password = child<QLineEdit>(&dialog, QStringLiteral("sasl_password"));
        password->selectAll();
        QTest::keyClicks(password, QStringLiteral("hunter2"));
        QCOMPARE(password->echoMode(), QLineEdit::Password);
        QVERIFY(child<QLabel>(&dialog, QStringLiteral("secretWarning"))->isVisibleTo(&dialog));
    }

    void testConnectionShowsTheAnswerInWords()
    {
        Opened opened;
        auto &[storage, tools, dialog] = opened;
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("clusterTestButton")), Qt::LeftButton);
        QCOMPARE(tools.lastCluster.name, QStringLiteral("main"));
        QCOMPARE(tools.lastTopics, QStringList{QStringLiteral("orders.events")});
        QCOMPARE(tools.lastGroups, QStringList{QStringLiteral("shipping")});
        auto *result = child<QLabel>(&dialog, QStringLiteral("clusterTestResult"));
        QCOMPARE(result->text(), QStringLiteral("Testing…"));
        models::ProbeReport report;
        report.target = QStringLiteral("cluster main");
        report.pass(QStringLiteral("TCP connect"), QStringLiteral("127.0.0.1:9092 in 0.2 ms"));
        report.fail(QStringLiteral("Authorization"), QStringLiteral("Describe on group shipping denied"));
        emit tools.tested(tools.lastId() + 7, report); // another request's answer is not this one's
        QCOMPARE(result->text(), QStringLiteral("Testing…"));
        emit tools.tested(tools.lastId(), report);
        QCOMPARE(result->text(), QStringLiteral("Test of cluster main: failed at authorization\n"
                                                "TCP connect: ok — 127.0.0.1:9092 in 0.2 ms\n"
                                                "Authorization: FAILED — Describe on group shipping denied"));
    }

    void noKeychainServiceOffersTheOtherWays()
    {
        Opened opened;
        auto &[storage, tools, dialog] = opened;
        auto *status = child<QLabel>(&dialog, QStringLiteral("keychainStatus"));
        QTRY_COMPARE(status->text(),
                     QStringLiteral("No keychain service answers here (Cannot autolaunch D-Bus without X11 $DISPLAY). "
                                    "Use ${NAME} references to environment variables, or libpq's .pgpass or service "
                                    "file for PostgreSQL."));
    }

    void keychainThatRefusesLeavesTheFieldAsItWas()
    {
        Opened opened;
        auto &[storage, tools, dialog] = opened;
        tools.refuseWith = QStringLiteral("the keychain refused access (locked); unlock it and try again");
        answerSecret(QStringLiteral("s3cr3t-value"));
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("sasl_passwordKeychain")), Qt::LeftButton);
        QCOMPARE(tools.storedName, QStringLiteral("kafka-main-sasl.password"));
        auto *status = child<QLabel>(&dialog, QStringLiteral("keychainStatus"));
        QTRY_VERIFY(status->text().startsWith(QStringLiteral("The secret was not stored")));
        QCOMPARE(status->text(), QStringLiteral("The secret was not stored in the keychain: the keychain refused "
                                                "access (locked); unlock it and try again Use a ${NAME} environment "
                                                "reference instead, or libpq's .pgpass or service file for PostgreSQL."));
        QCOMPARE(dialog.config().environments[0].clusters[0].property(QStringLiteral("sasl.password")), QString());

        // Stored: the file gets the reference only.
        tools.refuseWith.clear();
        answerSecret(QStringLiteral("s3cr3t-value"));
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("sasl_passwordKeychain")), Qt::LeftButton);
        QTRY_COMPARE(dialog.config().environments[0].clusters[0].property(QStringLiteral("sasl.password")),
                     QStringLiteral("${keychain:kafka-main-sasl.password}"));
        QVERIFY(!storage.text(dialog.config()).contains("s3cr3t-value"));
    }

    // A configuration file that cannot be written: a precise message, every edit kept, the file as it was.
    void unwritableFileKeepsEverything()
    {
        OnDisk disk;
        if (QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("+i"), disk.folder}) != 0)
            QSKIP("chattr +i is not available here");
        const auto unlock = qScopeGuard([&] { QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("-i"), disk.folder}); });
        disk.addTopic();
        auto *save = child<QPushButton>(disk.dialog.get(), QStringLiteral("save"));
        QTRY_VERIFY(save->isEnabled());
        QTest::mouseClick(save, Qt::LeftButton);
        QVERIFY(disk.dialog->isVisible());
        const QString status = child<QLabel>(disk.dialog.get(), QStringLiteral("validationStatus"))->text();
        QVERIFY2(status.startsWith(QStringLiteral("Not saved: the configuration was not saved: its comments could not be "
                                                  "kept and cannot write a copy of the configuration %1.bak: ")
                                       .arg(disk.path)),
                 qPrintable(status));
        QVERIFY2(status.endsWith(QStringLiteral(". Nothing was changed: the file is as it was. Your edits are still here, "
                                                "and Idem keeps watching the previous configuration.")),
                 qPrintable(status));
        QCOMPARE(fileBytes(disk.path), disk.original);
        QCOMPARE(disk.dialog->config().environments[0].flows[0].topics,
                 QStringList({QStringLiteral("orders.events"), QStringLiteral("orders.more")}));
    }

    // Where an edit cannot be made in place, the dialog says where the previous file is kept.
    void rewriteKeepsABackupAndSaysSo()
    {
        OnDisk disk;
        disk.addTopic();
        auto *save = child<QPushButton>(disk.dialog.get(), QStringLiteral("save"));
        QTRY_VERIFY(save->isEnabled());
        QString note;
        QTimer::singleShot(0, [&note] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            QVERIFY(box);
            QCOMPARE(box->objectName(), QStringLiteral("saveNote"));
            note = box->text();
            box->accept();
        });
        QTest::mouseClick(save, Qt::LeftButton);
        QCOMPARE(note, QStringLiteral("The changes could not be made in place, so %1 was written anew without its "
                                      "comments; the previous file is kept as %1.bak.")
                           .arg(disk.path));
        QCOMPARE(fileBytes(disk.path + QStringLiteral(".bak")), disk.original);
        QVERIFY(!disk.dialog->isVisible());
    }

    void mappingAssistantProposesShipping()
    {
        FakeTools tools;
        tools.tables = inboxTables();
        models::StoreConfig store;
        store.name = QStringLiteral("shipping");
        ui::StoreMappingDialog assistant(store, &tools);
        auto *use = child<QPushButton>(&assistant, QStringLiteral("useMapping"));
        QTRY_VERIFY(use->isEnabled());
        QTRY_COMPARE(child<QTableWidget>(&assistant, QStringLiteral("sampleRows"))->rowCount(), 1);
        const models::StoreConfig mapped = assistant.mappedStore();
        QCOMPARE(mapped.registry.table, QStringLiteral("inbox"));
        QCOMPARE(mapped.registry.column(QStringLiteral("event_id")), QStringLiteral("message_id"));
        QCOMPARE(mapped.registry.column(QStringLiteral("attempts")), QStringLiteral("tries"));
        QCOMPARE(mapped.attempts.table, QStringLiteral("inbox_log"));
        QCOMPARE(mapped.attempts.column(QStringLiteral("outcome")), QStringLiteral("result"));
        QCOMPARE(child<QLabel>(&assistant, QStringLiteral("mappingStatus"))->text(),
                 QStringLiteral("Proposed: registry inbox, attempts inbox_log. Check the columns and the sample rows, "
                                "then use the mapping; nothing is saved until you save the connections."));
    }

    void mappingAssistantWithoutEventIdSaysSo()
    {
        FakeTools tools;
        tools.tables = {{QStringLiteral("public"), QStringLiteral("things"),
                         {{QStringLiteral("id"), QStringLiteral("integer"), true},
                          {QStringLiteral("name"), QStringLiteral("text"), false}}}};
        models::StoreConfig store;
        store.name = QStringLiteral("odd");
        ui::StoreMappingDialog assistant(store, &tools);
        auto *status = child<QLabel>(&assistant, QStringLiteral("mappingStatus"));
        QTRY_VERIFY(status->text().startsWith(QStringLiteral("no table")));
        QCOMPARE(status->text(), QStringLiteral("no table has a column that looks like an event id (event_id, "
                                                "message_id, msg_id, event_uuid, eventid) in things; Idem needs the "
                                                "column that holds each processed event's id: map the registry by hand"));
        QVERIFY(!child<QPushButton>(&assistant, QStringLiteral("useMapping"))->isEnabled());
    }
};

QTEST_MAIN(TestConnectionTools)
#include "tst_connectiontools.moc"
