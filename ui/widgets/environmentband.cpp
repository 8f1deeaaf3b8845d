#include "ui/widgets/environmentband.h"

#include "models/core/statuscolours.h"

#include <QPainter>

namespace idem::ui {

EnvironmentBand::EnvironmentBand(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("environmentBand"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void EnvironmentBand::setBand(const QString &label, const QString &colour)
{
    m_label = label;
    m_colour = colour.isEmpty() ? QColor() : QColor::fromString(colour.trimmed());
    setToolTip(tr("Environment %1").arg(label));
    setAccessibleName(tr("Environment %1").arg(label));
    update();
}

QColor EnvironmentBand::colour() const
{
    return m_colour.isValid() ? m_colour : palette().color(QPalette::Mid);
}

QColor EnvironmentBand::textColour() const
{
    return models::readableTextOn(colour());
}

QSize EnvironmentBand::sizeHint() const
{
    const QFontMetrics metrics(font());
    return {metrics.horizontalAdvance(m_label) + 24, metrics.height() + 8};
}

QSize EnvironmentBand::minimumSizeHint() const
{
    return {0, sizeHint().height()};
}

void EnvironmentBand::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), colour());
    QFont bold = font();
    bold.setBold(true);
    bold.setLetterSpacing(QFont::PercentageSpacing, 110);
    p.setFont(bold);
    p.setPen(textColour());
    p.drawText(rect(), Qt::AlignCenter, QFontMetrics(bold).elidedText(m_label, Qt::ElideRight, width() - 8));
}

} // namespace idem::ui
