#pragma once

// What the console shows when it starts without a configuration: not an
// error, but the two ways to begin: the demo world (a sandbox Kafka cluster
// and PostgreSQL stores on this machine) or the connections dialog for one's
// own systems.

#include <QWidget>

class QLabel;

namespace idem::ui {

class WelcomePage final : public QWidget
{
    Q_OBJECT

public:
    explicit WelcomePage(QWidget *parent = nullptr);

    // Where the configuration is looked for (and saved by "Connect to my systems").
    void setConfigPath(const QString &path);

signals:
    void demoRequested();
    void connectRequested();

private:
    QLabel *m_where = nullptr;
};

} // namespace idem::ui
