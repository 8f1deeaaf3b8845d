#pragma once

// The connections dialog's "Kafka clusters" tab: the environment's clusters
// beside the editor of the selected one (name; security: security.protocol,
// SASL mechanism, user and password, TLS CA, client certificate, key and key
// password, each a librdkafka property; every property with secrets masked,
// a warning for a literal secret; Test connection). Passwords are written as
// ${NAME} or ${keychain:NAME} references; "Store in keychain…" puts a secret
// into the OS keychain and writes its reference. Internal to ui/dialogs/.

#include "models/config/config.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace idem::models {
class ConnectionTools;
}

namespace idem::ui::connections_detail {

class ConnectionTestPanel;
class PairTable;

class ClustersTab final : public QWidget
{
    Q_OBJECT

public:
    // Edits `env`'s clusters in place; `env` must outlive the tab.
    ClustersTab(models::EnvironmentConfig *env, QWidget *parent);
    ~ClustersTab() override;

    // Lists the environment's clusters afresh and selects the first.
    void populate();
    // Takes the name being typed, as if its field was left.
    void commitName();
    void updateSecretWarning();
    // Enables Test connection and the keychain buttons; null: neither.
    void setTools(models::ConnectionTools *tools);

signals:
    void edited();
    // A cluster was added, removed or renamed: the flows' choices change.
    void clustersChanged();
    // For the dialog's keychain line: a secret was (or was not) stored.
    void keychainMessage(const QString &text, bool problem);

private:
    void load(int row);
    void rename(const QString &name);
    void loadSecurity();
    void setClusterProperty(const QString &key, const QString &value);
    void storeInKeychain(const QString &key);

    models::EnvironmentConfig *m_env;
    bool m_loading = false;
    QListWidget *m_list = nullptr;
    QWidget *m_editor = nullptr;
    QLineEdit *m_name = nullptr;
    PairTable *m_properties = nullptr;
    QLabel *m_secretWarning = nullptr;
    QComboBox *m_protocol = nullptr;
    QComboBox *m_mechanism = nullptr;
    QList<std::pair<QString, QLineEdit *>> m_fields; // librdkafka key -> its field
    QList<QPushButton *> m_keychainButtons;
    ConnectionTestPanel *m_test = nullptr;
    models::ConnectionTools *m_tools = nullptr;
    QString m_pendingSecretKey; // the property waiting for its keychain reference
};

} // namespace idem::ui::connections_detail
