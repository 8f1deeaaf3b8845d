// Proves the connections dialog edits a configuration through its widgets and
// saves exactly what the file reader reads back; refuses to save what the
// reader rejects, showing the reader's own file:line:column message and
// keeping every edit; and never displays a literal secret.

#include "connectors/config/configfile.h"
#include "ui/dialogs/connectionsdialog.h"
#include "ui/mainwindow.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QTemporaryDir>
#include <QTimer>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QtTest>

using namespace idem;

namespace {

const QByteArray kConfig = R"(version: 1
environments:
  sandbox:
    kafka:
      main:
        bootstrap.servers: 127.0.0.1:9092
        sasl.username: ${KAFKA_USER}
        sasl.password: hunter2
    stores:
      billing:
        connection: "host=127.0.0.1 dbname=billing user=idem_reader"
    flows:
      orders:
        cluster: main
        topics: [orders.events]
        retry_topics: [orders.retry.1]
        dead_letter_topic: orders.dlq
        groups:
          billing: { store: billing }
        thresholds: { lag: 500 }
  staging:
    kafka:
      other: { bootstrap.servers: "k:9092" }
)";

// The YAML file, saving into memory instead of the disk.
class MemoryStorage final : public models::ConfigStorage
{
public:
    QByteArray text(const models::Config &config) const override { return m_file.text(config); }
    Result<models::Config> read(const QByteArray &text, const QString &source) const override
    {
        return m_file.read(text, source);
    }
    Status save(const models::Config &config) override
    {
        ++saves;
        if (!failWith.isEmpty())
            return makeError(failWith);
        saved = config;
        return Status::success();
    }

    connectors::YamlConfigStorage m_file;
    int saves = 0;
    QString failWith;
    std::optional<models::Config> saved;
};

models::Config loaded()
{
    auto config = connectors::parseConfig(kConfig, QStringLiteral("idem.yaml"),
                                          connectors::VariableCheck::Skipped);
    if (!config)
        qFatal("%s", qPrintable(config.error()));
    config->sourcePath = QStringLiteral("/home/me/.config/idem/idem.yaml");
    return config.value();
}

template<typename T> T *child(QObject *parent, const char *name)
{
    T *found = parent->findChild<T *>(QString::fromLatin1(name));
    if (!found)
        qFatal("no child %s", name);
    return found;
}

// The dialog on kConfig's sandbox environment, shown, saving into memory.
struct Opened
{
    MemoryStorage storage;
    ui::ConnectionsDialog dialog{ loaded(), QStringLiteral("sandbox"), &storage };

    bool shown()
    {
        dialog.show();
        return QTest::qWaitForWindowActive(&dialog);
    }
};

// Replaces a line edit's text as a person does, and leaves the field.
void retype(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
    QTest::keyClick(edit, Qt::Key_Return);
}

// Types into a table cell through its editor, as a person does.
void typeIntoCell(QTableWidget *table, int row, int column, const QString &text)
{
    table->setFocus();
    table->setCurrentCell(row, column); // opens the editor: the tables edit on any trigger
    if (QApplication::focusWidget() == table)
        table->editItem(table->item(row, column));
    QWidget *editor = QApplication::focusWidget();
    QVERIFY(editor && editor != table);
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, text);
    QTest::keyClick(editor, Qt::Key_Return);
    // The view commits and closes its editor from the event loop.
    QTRY_VERIFY(!table->indexWidget(table->model()->index(row, column)));
}

// Answers the message boxes opened next, in order: each (box, button) by
// object name, as a person clicks. `asked` lists the boxes answered.
class Answers final : public QObject
{
public:
    explicit Answers(QList<QPair<QString, QString>> answers)
        : m_answers(std::move(answers))
    {
        m_poll.setInterval(10);
        m_waited.start();
        connect(&m_poll, &QTimer::timeout, this, [this] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            if (box && m_waited.hasExpired(10000)) {
                // Not the box expected: closed unanswered, so the test fails instead of hanging.
                asked << QStringLiteral("unexpected: ") + box->objectName();
                box->reject();
                return;
            }
            if (!box || m_answers.isEmpty() || box->objectName() != m_answers.first().first)
                return;
            m_waited.restart();
            const auto [name, button] = m_answers.takeFirst();
            asked << name;
            auto *b = box->findChild<QAbstractButton *>(button);
            if (!b)
                qFatal("no button %s in %s", qPrintable(button), qPrintable(name));
            b->click();
        });
        m_poll.start();
    }

    QStringList asked;

private:
    QList<QPair<QString, QString>> m_answers;
    QTimer m_poll;
    QElapsedTimer m_waited;
};

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

} // namespace

class TestConnectionsDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("idem-tests"));
        QStandardPaths::setTestModeEnabled(true);
    }

    void mainWindowAsksForTheDialogAndForgetsOldConnections()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        window.showPage(2);
        QSignalSpy requested(&window, &ui::MainWindow::editConnectionsRequested);
        auto *button = child<QToolButton>(&window, "editConnections");
        QVERIFY(button->isVisible());
        QCOMPARE(button->text(), QStringLiteral("Edit connections…"));
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(requested.count(), 1);
        QTest::keyClick(&window, Qt::Key_E, Qt::ControlModifier);
        QCOMPARE(requested.count(), 2);

        // A saved configuration is watched afresh: what the old one showed goes.
        models::ConnectionHealth health;
        health.kind = models::ConnectionHealth::Kind::Cluster;
        health.name = QStringLiteral("renamed-away");
        health.state = models::HealthState::Ok;
        window.applyHealth(health);
        auto *table = child<QTableView>(&window, "connectionsView");
        QCOMPARE(table->model()->rowCount(), 1);
        QVERIFY(window.healthLight(QStringLiteral("renamed-away")));
        window.resetConnections();
        QCOMPARE(table->model()->rowCount(), 0);
        QVERIFY(!window.healthLight(QStringLiteral("renamed-away")));
    }

    void editsThroughWidgetsAndSavesWhatTheReaderReads()
    {
        Opened opened;
        QVERIFY(opened.shown());
        auto &[storage, dialog] = opened;
        auto *save = child<QPushButton>(&dialog, "save");
        QVERIFY(dialog.problems().isEmpty());
        QVERIFY(!save->isEnabled()); // nothing changed yet

        // A property added to the cluster, typed into the table.
        auto *properties = child<QTableWidget>(&dialog, "clusterPropertiesTable");
        QCOMPARE(properties->rowCount(), 3);
        QTest::mouseClick(child<QPushButton>(&dialog, "clusterPropertiesAdd"), Qt::LeftButton);
        QCOMPARE(properties->rowCount(), 4);
        QVERIFY(qobject_cast<QLineEdit *>(QApplication::focusWidget())); // the new key, being edited
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("client.id"));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
        QTRY_COMPARE(properties->item(3, 0)->text(), QStringLiteral("client.id"));
        typeIntoCell(properties, 3, 1, QStringLiteral("idem-console"));
        QCOMPARE(properties->item(3, 0)->text(), QStringLiteral("client.id"));
        QCOMPARE(properties->item(3, 1)->text(), QStringLiteral("idem-console"));

        // The flow renamed, its envelope preset and a threshold changed.
        child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(2);
        retype(child<QLineEdit>(&dialog, "flowName"), QStringLiteral("orders-v2"));
        QCOMPARE(child<QListWidget>(&dialog, "flowList")->item(0)->text(), QStringLiteral("orders-v2"));
        child<QTabWidget>(&dialog, "flowTabs")->setCurrentIndex(1);
        auto *preset = child<QComboBox>(&dialog, "envelopePreset");
        preset->setCurrentIndex(preset->findText(QStringLiteral("cloudevents")));
        child<QTabWidget>(&dialog, "flowTabs")->setCurrentIndex(2);
        retype(child<QLineEdit>(&dialog, "threshold_retry_share"), QStringLiteral("0.05"));

        QTRY_VERIFY(save->isEnabled());
        QTest::mouseClick(save, Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));

        models::Config expected = loaded();
        models::EnvironmentConfig &env = expected.environments[0];
        env.clusters[0].properties.append({ QStringLiteral("client.id"), QStringLiteral("idem-console") });
        env.flows[0].name = QStringLiteral("orders-v2");
        env.flows[0].envelope.preset = QStringLiteral("cloudevents");
        env.flows[0].thresholds.insert(QStringLiteral("retry_share"), 0.05);
        QCOMPARE(storage.saves, 1);
        QVERIFY(storage.saved);
        QCOMPARE(*storage.saved, expected);
        QCOMPARE(dialog.config(), expected);

        // What was saved is what the file reader reads back, other environments included.
        auto back = connectors::parseConfig(connectors::writeConfig(*storage.saved),
                                            QStringLiteral("idem.yaml"), connectors::VariableCheck::Skipped);
        QVERIFY2(back, qPrintable(back.error()));
        back->sourcePath = expected.sourcePath;
        QCOMPARE(back.value(), expected);
        QCOMPARE(back->environments.size(), 2);
    }

    void renamingAClusterOrStoreCarriesItsFlows()
    {
        Opened opened;
        QVERIFY(opened.shown());
        auto &[storage, dialog] = opened;
        retype(child<QLineEdit>(&dialog, "clusterName"), QStringLiteral("primary"));
        child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(1);
        retype(child<QLineEdit>(&dialog, "storeName"), QStringLiteral("billing-db"));
        dialog.validate();
        QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join(u'\n')));
        const models::FlowConfig &flow = dialog.config().environments[0].flows[0];
        QCOMPARE(flow.cluster, QStringLiteral("primary"));
        QCOMPARE(flow.groups[0].store, QStringLiteral("billing-db"));
        QCOMPARE(child<QComboBox>(&dialog, "flowCluster")->currentText(), QStringLiteral("primary"));
    }

    void readerProblemsBlockSavingAndKeepTheEdits_data()
    {
        QTest::addColumn<QString>("problem");
        QTest::newRow("flow names a removed cluster") << QStringLiteral("cluster");
        QTest::newRow("envelope field spec that does not parse") << QStringLiteral("field");
    }
    void readerProblemsBlockSavingAndKeepTheEdits()
    {
        QFETCH(QString, problem);
        Opened opened;
        QVERIFY(opened.shown());
        auto &[storage, dialog] = opened;
        auto *save = child<QPushButton>(&dialog, "save");

        // A valid edit first, which must survive the invalid one.
        child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(2);
        retype(child<QLineEdit>(&dialog, "flowDeadLetterTopic"), QStringLiteral("orders.DLT"));

        if (problem == u"cluster") {
            child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(0);
            QTest::mouseClick(child<QPushButton>(&dialog, "removeCluster"), Qt::LeftButton);
        } else {
            child<QTabWidget>(&dialog, "flowTabs")->setCurrentIndex(1);
            QTest::mouseClick(child<QPushButton>(&dialog, "deadLetterEnvelopeFieldsAdd"), Qt::LeftButton);
            auto *fields = child<QTableWidget>(&dialog, "deadLetterEnvelopeFieldsTable");
            typeIntoCell(fields, 0, 0, QStringLiteral("error"));
            typeIntoCell(fields, 0, 1, QStringLiteral("headr:reason"));
            QCOMPARE(fields->item(0, 0)->text(), QStringLiteral("error"));
            QCOMPARE(fields->item(0, 1)->text(), QStringLiteral("headr:reason"));
        }

        // The message is the reader's own, for the text that would be saved.
        MemoryStorage reader;
        const auto rejected = reader.read(reader.text(dialog.config()), QStringLiteral("idem.yaml"));
        QVERIFY(!rejected);
        const QString expected = rejected.error().split(u'\n').first();
        QVERIFY(QRegularExpression(QStringLiteral("^idem\\.yaml:\\d+:\\d+: ")).match(expected).hasMatch());
        QVERIFY2(expected.contains(problem == u"cluster" ? QStringLiteral("names cluster \"main\"")
                                                         : QStringLiteral("headr")),
                 qPrintable(expected));
        QTRY_COMPARE(dialog.problems().value(0), expected);
        auto *list = child<QListWidget>(&dialog, "problems");
        QVERIFY(list->isVisible());
        QCOMPARE(list->item(0)->text(), expected);
        QVERIFY(!save->isEnabled());
        QVERIFY(child<QLabel>(&dialog, "validationStatus")->text().contains(QStringLiteral("1 problem")));

        // Refused even when asked directly; nothing is saved and the dialog stays.
        dialog.accept();
        QCOMPARE(storage.saves, 0);
        QVERIFY(dialog.isVisible());

        // Clicking the problem shows its line in the YAML tab.
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(list->item(0)).center());
        auto *yaml = child<QPlainTextEdit>(&dialog, "yamlPreview");
        QVERIFY(yaml->isVisible());
        const int line = QRegularExpression(QStringLiteral(":(\\d+):")).match(expected).captured(1).toInt();
        QCOMPARE(yaml->textCursor().blockNumber(), line - 1);

        // The valid edit is still there.
        QCOMPARE(dialog.config().environments[0].flows[0].deadLetterTopic, QStringLiteral("orders.DLT"));
    }

    void failedSaveKeepsTheDialogOpen()
    {
        Opened opened;
        QVERIFY(opened.shown());
        auto &[storage, dialog] = opened;
        storage.failWith = QStringLiteral("cannot write the configuration /ro/idem.yaml: Permission denied");
        child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(2);
        retype(child<QLineEdit>(&dialog, "flowTopics"), QStringLiteral("orders.events, orders.more"));
        auto *save = child<QPushButton>(&dialog, "save");
        QTRY_VERIFY(save->isEnabled());
        QTest::mouseClick(save, Qt::LeftButton);
        QCOMPARE(storage.saves, 1);
        QVERIFY(dialog.isVisible());
        QCOMPARE(child<QLabel>(&dialog, "validationStatus")->text(),
                 QStringLiteral("Not saved: ") + storage.failWith
                     + QStringLiteral(" Your edits are still here, and Idem keeps watching the previous "
                                      "configuration."));
        QCOMPARE(dialog.config().environments[0].flows[0].topics,
                 QStringList({ QStringLiteral("orders.events"), QStringLiteral("orders.more") }));
    }

    void secretsAreMaskedInTheView()
    {
        Opened opened;
        QVERIFY(opened.shown());
        auto &[storage, dialog] = opened;
        auto *properties = child<QTableWidget>(&dialog, "clusterPropertiesTable");
        const QString mask(8, QChar(0x2022));
        QCOMPARE(properties->item(2, 0)->text(), QStringLiteral("sasl.password"));
        QCOMPARE(properties->item(2, 1)->text(), mask); // what the table shows, and a screen reader reads
        QCOMPARE(properties->item(1, 1)->text(), QStringLiteral("${KAFKA_USER}")); // a reference is no secret
        QCOMPARE(properties->item(0, 1)->text(), QStringLiteral("127.0.0.1:9092"));
        auto *warning = child<QLabel>(&dialog, "secretWarning");
        QVERIFY(warning->isVisible());
        QVERIFY(warning->text().startsWith(QStringLiteral("sasl.password holds a literal secret")));

        // Nowhere in the dialog's text, and kept as it is in the configuration.
        QVERIFY(!child<QPlainTextEdit>(&dialog, "yamlPreview")->toPlainText().contains(QStringLiteral("hunter2")));
        QVERIFY(child<QPlainTextEdit>(&dialog, "yamlPreview")->toPlainText().contains(QStringLiteral("sasl.password: ") + mask));
        for (const QLabel *label : dialog.findChildren<QLabel *>())
            QVERIFY(!label->text().contains(QStringLiteral("hunter2")));
        QCOMPARE(dialog.config().environments[0].clusters[0].property(QStringLiteral("sasl.password")),
                 QStringLiteral("hunter2"));

        // Renaming a key to a secret one masks its value; its editor is a password field.
        properties->item(0, 0)->setText(QStringLiteral("ssl.key.password"));
        QCOMPARE(properties->item(0, 1)->text(), mask);
        properties->setFocus();
        properties->setCurrentCell(0, 1); // opens the editor
        auto *editor = qobject_cast<QLineEdit *>(QApplication::focusWidget());
        QVERIFY(editor);
        QCOMPARE(editor->echoMode(), QLineEdit::Password);

        // A password inside a store's connection string is pointed out and masked in the preview.
        child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(1);
        retype(child<QLineEdit>(&dialog, "storeConnection"),
               QStringLiteral("host=db dbname=billing user=idem_reader password=s3cret"));
        QVERIFY(child<QLabel>(&dialog, "connectionWarning")->isVisible());
        dialog.validate();
        const QString yaml = child<QPlainTextEdit>(&dialog, "yamlPreview")->toPlainText();
        QVERIFY(!yaml.contains(QStringLiteral("s3cret")));
        QVERIFY(yaml.contains(QStringLiteral("password=") + mask));
    }

    void addedItemsNeedWhatTheReaderRequires()
    {
        Opened opened;
        QVERIFY(opened.shown());
        auto &[storage, dialog] = opened;
        QTest::mouseClick(child<QPushButton>(&dialog, "addCluster"), Qt::LeftButton);
        QCOMPARE(child<QListWidget>(&dialog, "clusterList")->count(), 2);
        dialog.validate();
        QCOMPARE(dialog.problems().size(), 1);
        QVERIFY2(dialog.problems().first().endsWith(
                     QStringLiteral("bootstrap.servers of cluster \"cluster\" is empty; expected host:port of "
                                    "its brokers")),
                 qPrintable(dialog.problems().first()));
        auto *properties = child<QTableWidget>(&dialog, "clusterPropertiesTable");
        typeIntoCell(properties, 0, 1, QStringLiteral("backup:9092"));
        dialog.validate();
        QVERIFY(dialog.problems().isEmpty());
        QCOMPARE(dialog.config().environments[0].clusters[1].property(QStringLiteral("bootstrap.servers")),
                 QStringLiteral("backup:9092"));

        // A new flow needs a topic; it takes the first cluster.
        child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(2);
        QTest::mouseClick(child<QPushButton>(&dialog, "addFlow"), Qt::LeftButton);
        dialog.validate();
        QCOMPARE(dialog.problems().size(), 1);
        QVERIFY2(dialog.problems().first().endsWith(QStringLiteral("flow \"flow\" needs at least one topic")),
                 qPrintable(dialog.problems().first()));
        QCOMPARE(dialog.config().environments[0].flows[1].cluster, QStringLiteral("main"));
        retype(child<QLineEdit>(&dialog, "flowTopics"), QStringLiteral("payments.events"));
        dialog.validate();
        QVERIFY(dialog.problems().isEmpty());
    }

    // The file is changed on disk while the dialog is open (by hand, or by
    // another Idem): Save asks before overwriting it, and offers to reload
    // it instead, discarding the dialog's edits once confirmed.
    void fileChangedOnDiskIsNotOverwrittenUnasked_data()
    {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<QString>("confirm"); // of the reload; empty: not asked
        QTest::newRow("overwrite") << QStringLiteral("overwrite") << QString();
        QTest::newRow("reload") << QStringLiteral("reload") << QStringLiteral("discard");
        QTest::newRow("reload declined") << QStringLiteral("reload") << QStringLiteral("cancel");
        QTest::newRow("cancel") << QStringLiteral("cancel") << QString();
    }
    void fileChangedOnDiskIsNotOverwrittenUnasked()
    {
        QFETCH(QString, answer);
        QFETCH(QString, confirm);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("idem.yaml"));
        QVERIFY(writeFile(path, kConfig));
        auto config = connectors::loadConfig(path, connectors::VariableCheck::Skipped);
        QVERIFY2(config, qPrintable(config.error()));
        connectors::YamlConfigStorage storage;
        ui::ConnectionsDialog dialog(config.value(), QStringLiteral("sandbox"), &storage);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        child<QTabWidget>(&dialog, "connectionsTabs")->setCurrentIndex(2);
        retype(child<QLineEdit>(&dialog, "flowTopics"), QStringLiteral("orders.events, orders.more"));
        auto *save = child<QPushButton>(&dialog, "save");
        QTRY_VERIFY(save->isEnabled());

        // Behind the dialog's back, someone raises the lag threshold.
        QByteArray handEdited = kConfig;
        handEdited.replace("thresholds: { lag: 500 }", "thresholds: { lag: 900 }");
        QVERIFY(handEdited != kConfig);
        QVERIFY(writeFile(path, handEdited));

        QList<QPair<QString, QString>> answers{{QStringLiteral("fileChangedOnDisk"), answer}};
        if (!confirm.isEmpty())
            answers.append({QStringLiteral("confirmReload"), confirm});
        Answers answering(answers);
        QTest::mouseClick(save, Qt::LeftButton);
        QStringList expectedAsked{QStringLiteral("fileChangedOnDisk")};
        if (!confirm.isEmpty())
            expectedAsked << QStringLiteral("confirmReload");
        QCOMPARE(answering.asked, expectedAsked);

        const QStringList edited{QStringLiteral("orders.events"), QStringLiteral("orders.more")};
        if (answer == QLatin1String("overwrite")) {
            // Overwritten on purpose: the file holds the dialog's edits.
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
            auto saved = connectors::loadConfig(path, connectors::VariableCheck::Skipped);
            QVERIFY2(saved, qPrintable(saved.error()));
            QCOMPARE(saved->environments[0].flows[0].topics, edited);
            QCOMPARE(saved->environments[0].flows[0].thresholds.value(QStringLiteral("lag")), 500.0);
            return;
        }
        // Otherwise nothing was written, and the dialog stays open.
        QVERIFY(dialog.isVisible());
        QCOMPARE(fileBytes(path), handEdited);
        if (confirm != QLatin1String("discard")) {
            // Every edit is kept.
            QVERIFY(dialog.isModified());
            QCOMPARE(dialog.config().environments[0].flows[0].topics, edited);
            QCOMPARE(dialog.config().environments[0].flows[0].thresholds.value(QStringLiteral("lag")), 500.0);
            return;
        }
        // Reloaded: the dialog shows the file as it is now, and has no edits.
        QVERIFY(!dialog.isModified());
        QVERIFY(!save->isEnabled());
        QCOMPARE(dialog.config().environments[0].flows[0].thresholds.value(QStringLiteral("lag")), 900.0);
        QCOMPARE(dialog.config().environments[0].flows[0].topics, QStringList{QStringLiteral("orders.events")});
        QCOMPARE(child<QLineEdit>(&dialog, "flowTopics")->text(), QStringLiteral("orders.events"));
        QCOMPARE(child<QLineEdit>(&dialog, "threshold_lag")->text(), QStringLiteral("900"));
        QCOMPARE(dialog.config().environments.size(), 2);
        // Edited again from there, it saves without asking: the file is as reloaded.
        retype(child<QLineEdit>(&dialog, "flowTopics"), QStringLiteral("orders.events, orders.more"));
        QTRY_VERIFY(save->isEnabled());
        Answers none({});
        QTest::mouseClick(save, Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(none.asked.isEmpty());
        auto saved = connectors::loadConfig(path, connectors::VariableCheck::Skipped);
        QVERIFY2(saved, qPrintable(saved.error()));
        QCOMPARE(saved->environments[0].flows[0].topics, edited);
        QCOMPARE(saved->environments[0].flows[0].thresholds.value(QStringLiteral("lag")), 900.0);
    }
};

QTEST_MAIN(TestConnectionsDialog)
#include "tst_connectionsdialog.moc"
