#pragma once

// The connections dialog's "Stores" tab: the environment's stores beside the
// editor of the selected one (name, connection, statement timeout, table and
// column mapping, outcome values; Test connection; the mapping assistant),
// and under them the ops database (OpsDatabaseBox). Internal to ui/dialogs/.

#include "models/config/config.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QSpinBox;
class QPushButton;
class QTableWidget;

namespace idem::models {
class ConnectionTools;
}

namespace idem::ui::connections_detail {

class ConnectionTestPanel;
class OpsDatabaseBox;

class StoresTab final : public QWidget
{
    Q_OBJECT

public:
    // Edits `env`'s stores and ops database in place; `env` must outlive the tab.
    StoresTab(models::EnvironmentConfig *env, QWidget *parent);
    ~StoresTab() override;

    // Lists the environment's stores afresh and selects the first.
    void populate();
    // Takes the name being typed, as if its field was left.
    void commitName();
    void updateSecretWarning();
    // Enables Test connection (store and ops database) and the mapping assistant; null: neither.
    void setTools(models::ConnectionTools *tools);

signals:
    void edited();
    // A store was added, removed or renamed: the groups' choices change.
    void storesChanged();

private:
    void load(int row);
    void rename(const QString &name);
    void readStore();
    void openMappingAssistant();

    models::EnvironmentConfig *m_env;
    bool m_loading = false;
    QListWidget *m_list = nullptr;
    QWidget *m_editor = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_connection = nullptr;
    QLabel *m_connectionWarning = nullptr;
    QSpinBox *m_statementTimeout = nullptr;
    QLineEdit *m_registryTable = nullptr;
    QLineEdit *m_attemptsTable = nullptr;
    QTableWidget *m_registryColumns = nullptr;
    QTableWidget *m_attemptsColumns = nullptr;
    QTableWidget *m_outcomes = nullptr;
    OpsDatabaseBox *m_ops = nullptr;
    ConnectionTestPanel *m_test = nullptr;
    QPushButton *m_assistant = nullptr;
    models::ConnectionTools *m_tools = nullptr;
};

} // namespace idem::ui::connections_detail
