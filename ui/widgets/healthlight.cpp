#include "models/core/statuscolours.h"
#include "ui/widgets/healthlight.h"

#include "models/core/untrustedtext.h"

#include <QLocale>
#include <QPainter>

namespace idem::ui {

HealthLight::HealthLight(const QString &name, QWidget *parent)
    : QWidget(parent)
    , m_name(name)
{
    setAccessibleName(name);
    updateToolTip();
}

void HealthLight::setState(State state, const QString &detail, const QDateTime &since)
{
    if (state == m_state && detail == m_detail)
        return;
    m_state = state;
    m_detail = detail;
    m_since = since.isValid() ? since : QDateTime::currentDateTime();
    updateToolTip();
    update();
}

QColor HealthLight::colorOf(State state, const QPalette &palette)
{
    switch (state) {
    case State::Ok:
        return models::statusColour(models::StatusColour::Ok, palette);
    case State::Degraded:
        return models::statusColour(models::StatusColour::Warning, palette);
    case State::Down:
        return models::statusColour(models::StatusColour::Error, palette);
    case State::Unknown:
        break;
    }
    return models::statusColour(models::StatusColour::Neutral, palette);
}

QSize HealthLight::sizeHint() const
{
    const int side = fontMetrics().height();
    return {side, side};
}

void HealthLight::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const int side = std::min(width(), height()) - 4;
    const QRectF circle((width() - side) / 2.0, (height() - side) / 2.0, side, side);
    painter.setPen(QPen(color().darker(140), 1));
    painter.setBrush(color());
    painter.drawEllipse(circle);
}

void HealthLight::updateToolTip()
{
    QString state;
    switch (m_state) {
    case State::Ok:
        state = tr("ok");
        break;
    case State::Degraded:
        state = tr("degraded");
        break;
    case State::Down:
        state = tr("down");
        break;
    case State::Unknown:
        state = tr("not checked yet");
        break;
    }
    QString tip = tr("%1: %2").arg(m_name, state);
    if (m_since.isValid())
        tip += QLatin1Char('\n')
            + tr("since %1").arg(QLocale().toString(m_since, QStringLiteral("yyyy-MM-dd HH:mm:ss t")));
    if (!m_detail.isEmpty())
        tip += QLatin1Char('\n') + m_detail;
    // The detail quotes servers' error texts: shown as text, never as HTML.
    setToolTip(models::plainTextToolTip(tip));
}

} // namespace idem::ui
