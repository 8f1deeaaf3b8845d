#pragma once

// Editing the connections of one environment of the configuration: its Kafka
// clusters (librdkafka properties), stores (connection, statement timeout,
// table and column mapping, outcome values), the ops database and its flows
// (cluster, topics, groups and their stores, retry and dead-letter topics,
// envelopes, thresholds). Other environments are kept as they are.
//
// Every edit is checked by the reader Idem itself uses: the text that would
// be saved is read back through the ConfigStorage, and its file:line:column
// messages are listed (the lines are those of the YAML tab). Save stays
// disabled while there is any; a refused or failed save keeps every edit.
// The dialog writes nothing itself: Save calls ConfigStorage::save.
//
// Secrets: values of secret-looking keys (models::isSecretKey) are masked in
// the tables and in the YAML preview, and a literal secret is pointed out:
// secrets belong in ${NAME} references or libpq's .pgpass, not in the file.
//
// Known limits: comments of a hand-written file are not kept (see
// configfile.h); environments themselves are not added or renamed here.

#include "models/config/config.h"

#include <QDialog>
#include <QHash>
#include <QTimer>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace idem::models {
class ConfigStorage;
class EnvelopeDetector;
}

namespace idem::ui {

struct EnvelopeChoice;

namespace connections_detail {
class PairTable;
class EnvelopeEditor;
}

class ConnectionsDialog final : public QDialog
{
    Q_OBJECT

public:
    // Edits `environment` of `config` (the first when empty or unknown).
    // `storage` checks and saves; `detector`, when given, enables "Detect
    // envelope…". Neither is owned; both must outlive the dialog.
    ConnectionsDialog(models::Config config, const QString &environment,
                      models::ConfigStorage *storage, models::EnvelopeDetector *detector = nullptr,
                      QWidget *parent = nullptr);
    ~ConnectionsDialog() override;

    // The whole configuration as edited; after a successful Save, as saved.
    models::Config config() const;
    QString environmentName() const { return m_env.name; }
    // The reader's messages about the current edits, one per problem.
    QStringList problems() const { return m_problems; }
    bool isModified() const { return m_modified; }

    // Checks the current edits now (edits are otherwise checked shortly after
    // they are made).
    void validate();

public slots:
    void accept() override; // saves; stays open when the edits are invalid or saving fails
    void reject() override; // asks before discarding edits

private:
    QWidget *buildClustersTab();
    QWidget *buildStoresTab();
    QWidget *buildFlowsTab();
    QWidget *buildYamlTab();

    void edited();
    void loadCluster(int row);
    void loadStore(int row);
    void loadFlow(int row);
    void renameCluster(const QString &name);
    void renameStore(const QString &name);
    void renameFlow(const QString &name);
    void commitNames();
    void readGroups();
    void readThresholds();
    void updateDetectButtons();
    void detectEnvelope(bool deadLetter);
    void applyDetection(const QString &flow, const EnvelopeChoice &choice);
    void updateSecretWarnings();
    void showProblemLine(int line);
    QString sourceName() const;

    models::Config m_config; // every environment as given; m_env replaces one of them
    int m_envIndex = 0;
    models::EnvironmentConfig m_env;
    models::ConfigStorage *m_storage = nullptr;
    models::EnvelopeDetector *m_detector = nullptr;
    QStringList m_problems;
    bool m_modified = false;
    bool m_loading = false;
    QTimer m_validateSoon;

    QTabWidget *m_tabs = nullptr;
    QLabel *m_status = nullptr;
    QListWidget *m_problemList = nullptr;
    QPushButton *m_save = nullptr;
    QPlainTextEdit *m_yaml = nullptr;

    QListWidget *m_clusterList = nullptr;
    QWidget *m_clusterEditor = nullptr;
    QLineEdit *m_clusterName = nullptr;
    connections_detail::PairTable *m_properties = nullptr;
    QLabel *m_secretWarning = nullptr;

    QListWidget *m_storeList = nullptr;
    QWidget *m_storeEditor = nullptr;
    QLineEdit *m_storeName = nullptr;
    QLineEdit *m_storeConnection = nullptr;
    QLabel *m_connectionWarning = nullptr;
    QSpinBox *m_statementTimeout = nullptr;
    QLineEdit *m_registryTable = nullptr;
    QLineEdit *m_attemptsTable = nullptr;
    QTableWidget *m_registryColumns = nullptr;
    QTableWidget *m_attemptsColumns = nullptr;
    QTableWidget *m_outcomes = nullptr;
    QLineEdit *m_opsConnection = nullptr;

    QListWidget *m_flowList = nullptr;
    QWidget *m_flowEditor = nullptr;
    QLineEdit *m_flowName = nullptr;
    QComboBox *m_flowCluster = nullptr;
    QLineEdit *m_topics = nullptr;
    QLineEdit *m_retryTopics = nullptr;
    QLineEdit *m_deadLetterTopic = nullptr;
    QPushButton *m_detectSource = nullptr;
    QPushButton *m_detectDeadLetter = nullptr;
    QLabel *m_flowNote = nullptr;
    QTableWidget *m_groups = nullptr;
    connections_detail::EnvelopeEditor *m_envelope = nullptr;
    connections_detail::EnvelopeEditor *m_deadLetterEnvelope = nullptr;
    QHash<QString, QLineEdit *> m_thresholds;
};

} // namespace idem::ui
