#pragma once

// Editing the connections of one environment of the configuration: its Kafka
// clusters (librdkafka properties), stores (connection, statement timeout,
// table and column mapping, outcome values), the ops database and its flows
// (cluster, topics, groups and their stores, retry and dead-letter topics,
// envelopes, thresholds). Other environments are kept as they are. Each tab
// is its own widget (clusterstab.h, storestab.h with opsdatabasebox.h,
// flowstab.h, yamltab.h) editing the one environment this dialog holds.
//
// Every edit is checked by the reader Idem itself uses: the text that would
// be saved is read back through the ConfigStorage, and its file:line:column
// messages are listed (the lines are those of the YAML tab). Save stays
// disabled while there is any; a refused or failed save keeps every edit.
// The dialog writes nothing itself: Save calls ConfigStorage::save.
//
// A file changed on disk since the dialog opened (by hand, or by another
// Idem) is not overwritten unasked: Save compares the file's stamp with the
// one taken when the dialog opened (ConfigStorage::stamp: size and SHA-256)
// and offers to reload it (discarding the dialog's edits, once confirmed) or
// to overwrite it.
//
// Secrets: values of secret-looking keys (models::isSecretKey) are masked in
// the tables and in the YAML preview (models/config/secretmasking.h), and a
// literal secret is pointed out: secrets belong in ${NAME} references or
// libpq's .pgpass, not in the file.
//
// Connections are tested, stores mapped and secrets put into the OS keychain
// through a models::ConnectionTools (setConnectionTools); the dialog says
// whether a keychain service answers, and where none does, offers the other
// two ways: ${NAME} environment references and libpq's .pgpass or service
// file. Saving keeps the file's comments (see configfile.h); when it cannot,
// the dialog says where the previous file was kept.
//
// Known limits: environments themselves are not added or renamed here.

#include "models/config/config.h"
#include "models/config/configstorage.h"

#include <QDialog>
#include <QTimer>

#include <optional>

class QLabel;
class QListWidget;
class QPushButton;
class QTabWidget;

namespace idem::models {
class ConnectionTools;
class EnvelopeDetector;
}

namespace idem::ui {

namespace connections_detail {
class ClustersTab;
class FlowsTab;
class StoresTab;
class YamlTab;
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

    // Enables Test connection, the mapping assistant and the keychain (not
    // owned; must outlive the dialog), and asks whether a keychain answers.
    void setConnectionTools(models::ConnectionTools *tools);

public slots:
    // Saves; stays open when the edits are invalid, saving fails, or the file
    // changed on disk and the answer was not to overwrite it.
    void accept() override;
    void reject() override; // asks before discarding edits

private:
    enum class OnDiskChange { Overwrite, Reload, Cancel };

    void edited();
    void commitNames();
    void populate();
    void showProblemLine(int line);
    void updateSecretWarnings();
    QString sourceName() const;
    bool changedOnDisk() const;
    OnDiskChange askAboutChange();
    // Reads the file again after confirming; false when it was not reloaded.
    bool reloadFromDisk();

    models::Config m_config; // every environment as given; m_env replaces one of them
    int m_envIndex = 0;
    models::EnvironmentConfig m_env;
    models::ConfigStorage *m_storage = nullptr;
    std::optional<models::FileStamp> m_loadedStamp; // the file as the edits started from it
    QStringList m_problems;
    bool m_modified = false;
    bool m_loading = false;
    QTimer m_validateSoon;

    QTabWidget *m_tabs = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_keychain = nullptr;
    QListWidget *m_problemList = nullptr;
    QPushButton *m_save = nullptr;
    connections_detail::ClustersTab *m_clusters = nullptr;
    connections_detail::StoresTab *m_stores = nullptr;
    connections_detail::FlowsTab *m_flows = nullptr;
    connections_detail::YamlTab *m_yaml = nullptr;
};

} // namespace idem::ui
