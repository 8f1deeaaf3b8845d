#pragma once

// The connections dialog's "Kafka clusters" tab: the environment's clusters
// beside the editor of the selected one (name, librdkafka properties with
// secrets masked, a warning for a literal secret). Internal to ui/dialogs/.

#include "models/config/config.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;

namespace idem::ui::connections_detail {

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

signals:
    void edited();
    // A cluster was added, removed or renamed: the flows' choices change.
    void clustersChanged();

private:
    void load(int row);
    void rename(const QString &name);

    models::EnvironmentConfig *m_env;
    bool m_loading = false;
    QListWidget *m_list = nullptr;
    QWidget *m_editor = nullptr;
    QLineEdit *m_name = nullptr;
    PairTable *m_properties = nullptr;
    QLabel *m_secretWarning = nullptr;
};

} // namespace idem::ui::connections_detail
