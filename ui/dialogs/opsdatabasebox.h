#pragma once

// The connections dialog's ops database (replay requests, approvals, audit
// trail): its connection, or none. Shown on the Stores tab. Internal to
// ui/dialogs/.

#include "models/config/config.h"

#include <QGroupBox>

class QLineEdit;

namespace idem::models {
class ConnectionTools;
}

namespace idem::ui::connections_detail {

class ConnectionTestPanel;

class OpsDatabaseBox final : public QGroupBox
{
    Q_OBJECT

public:
    // Edits `env`'s ops database in place; `env` must outlive the box.
    OpsDatabaseBox(models::EnvironmentConfig *env, QWidget *parent);

    // Shows the environment's ops database afresh.
    void populate();
    void setTools(models::ConnectionTools *tools);

signals:
    void edited();

private:
    models::EnvironmentConfig *m_env;
    QLineEdit *m_connection = nullptr;
    ConnectionTestPanel *m_test = nullptr;
};

} // namespace idem::ui::connections_detail
