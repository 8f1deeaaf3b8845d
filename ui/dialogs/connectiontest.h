#pragma once

// "Test connection" beside a cluster, a store or the ops database: a button
// and the result in words, one line per step (models::ProbeReport). The test
// runs in the ConnectionTools (on its worker); this widget only starts it
// and shows its answer, or says that nothing here can test. Internal to
// ui/dialogs/.

#include <QPointer>
#include <QWidget>

#include <functional>

class QLabel;
class QPushButton;

namespace idem::models {
class ConnectionTools;
struct ProbeReport;
}

namespace idem::ui::connections_detail {

class ConnectionTestPanel final : public QWidget
{
    Q_OBJECT

public:
    // `start` asks `tools` for the test of what is being edited now and returns the request id.
    ConnectionTestPanel(const QString &objectName, QWidget *parent);

    void setTools(models::ConnectionTools *tools, std::function<quint64(models::ConnectionTools *)> start);
    // Forgets the shown result (another item was selected).
    void clear();
    QString resultText() const;

private:
    void run();
    void show(quint64 request, const models::ProbeReport &report);

    QPointer<models::ConnectionTools> m_tools;
    std::function<quint64(models::ConnectionTools *)> m_start;
    quint64 m_request = 0;
    QPushButton *m_button = nullptr;
    QLabel *m_result = nullptr;
};

} // namespace idem::ui::connections_detail
