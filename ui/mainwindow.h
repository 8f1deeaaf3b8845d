#pragma once

// The console's main window: a sidebar of pages, and a status bar with a
// health light for every Kafka cluster, store and the ops database. It only
// applies the snapshots it is given; app/ wires it to the live monitor.

#include "models/health/connectionhealth.h"
#include "models/metrics/lagsnapshot.h"

#include <QHash>
#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace idem::models {
class ConnectionTableModel;
class PartitionTableModel;
}

namespace idem::ui {

class FlowsPage;
class HealthLight;

class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Names what the window looks at, e.g. "sandbox — /tmp/…/idem.yaml".
    void setSubject(const QString &subject);
    void showMessage(const QString &message);

    void applyHealth(const models::ConnectionHealth &health);
    void applySnapshot(const models::LagSnapshot &snapshot);

    // Saves a PNG of the window as it is on screen now.
    bool saveScreenshot(const QString &path, QString *error);

    FlowsPage *flowsPage() const { return m_flows; }
    HealthLight *healthLight(const QString &name) const;

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    models::PartitionTableModel *m_partitions = nullptr;
    models::ConnectionTableModel *m_connections = nullptr;
    QListWidget *m_sidebar = nullptr;
    QStackedWidget *m_pages = nullptr;
    FlowsPage *m_flows = nullptr;
    QLabel *m_message = nullptr;
    QHash<QString, HealthLight *> m_lights; // by "kind:name"
};

} // namespace idem::ui
