#pragma once

// A small round light for the status bar: green (ok), amber (degraded),
// red (down), grey (unknown). The tooltip carries the last error and when the
// state last changed, in local time with the zone.

#include <QDateTime>
#include <QWidget>

namespace idem::ui {

class HealthLight final : public QWidget
{
    Q_OBJECT

public:
    enum class State { Unknown, Ok, Degraded, Down };
    Q_ENUM(State)

    explicit HealthLight(const QString &name, QWidget *parent = nullptr);

    void setState(State state, const QString &detail = {}, const QDateTime &since = {});
    State state() const { return m_state; }
    QString name() const { return m_name; }
    QColor color() const { return colorOf(m_state, palette()); }
    // The status colours, in one place (the health lights, the tray icon).
    // The state's status colour on `palette` (the tray icon uses the application's).
    static QColor colorOf(State state, const QPalette &palette);

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    void updateToolTip();

    QString m_name;
    QString m_detail;
    QDateTime m_since;
    State m_state = State::Unknown;
};

} // namespace idem::ui
