#include "ui/widgets/modebar.h"

#include "models/core/statuscolours.h"

#include <QButtonGroup>
#include <QEvent>
#include <QGuiApplication>
#include <QPainter>
#include <QPainterPath>
#include <QToolButton>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

// Draws `name` in a 24×24 box.
void drawGlyph(QPainter &p, const QString &name)
{
    if (name == QLatin1String("overview")) {
        for (int x : {3, 13})
            for (int y : {3, 13})
                p.drawRoundedRect(QRectF(x, y, 8, 8), 1.5, 1.5);
    } else if (name == QLatin1String("flows")) {
        for (int y : {6, 12, 18}) {
            p.drawLine(QPointF(3, y), QPointF(20, y));
            p.drawLine(QPointF(16, y - 3), QPointF(20, y));
            p.drawLine(QPointF(16, y + 3), QPointF(20, y));
        }
    } else if (name == QLatin1String("connections")) {
        const QPointF a(5, 18), b(12, 5), c(19, 18);
        p.drawLine(a, b);
        p.drawLine(b, c);
        p.drawLine(a, c);
        p.save();
        p.setBrush(p.pen().color());
        for (const QPointF &n : {a, b, c})
            p.drawEllipse(n, 2.6, 2.6);
        p.restore();
    } else if (name == QLatin1String("trace")) {
        p.drawEllipse(QPointF(10, 10), 6, 6);
        p.drawLine(QPointF(14.5, 14.5), QPointF(20.5, 20.5));
    } else if (name == QLatin1String("deadletters")) {
        p.drawRect(QRectF(3, 6, 18, 13));
        p.drawPolyline(QPolygonF({QPointF(3, 6), QPointF(12, 13), QPointF(21, 6)}));
    } else if (name == QLatin1String("replays")) {
        QPainterPath arc;
        arc.arcMoveTo(QRectF(4, 4, 16, 16), 60);
        arc.arcTo(QRectF(4, 4, 16, 16), 60, 290);
        p.drawPath(arc);
        p.drawLine(QPointF(16, 5), QPointF(16.5, 9.5));
        p.drawLine(QPointF(16, 5), QPointF(11.5, 5.5));
    } else if (name == QLatin1String("reconcile")) {
        // Two columns weighed against each other: a balance.
        p.drawLine(QPointF(12, 4), QPointF(12, 20));
        p.drawLine(QPointF(4, 8), QPointF(20, 8));
        p.drawLine(QPointF(8, 20), QPointF(16, 20));
        p.drawArc(QRectF(2, 9, 8, 6), 180 * 16, 180 * 16);
        p.drawArc(QRectF(14, 9, 8, 6), 180 * 16, 180 * 16);
    } else if (name == QLatin1String("alerts")) {
        // A bell.
        QPainterPath bell;
        bell.moveTo(5, 17);
        bell.cubicTo(7, 15, 6.5, 5, 12, 5);
        bell.cubicTo(17.5, 5, 17, 15, 19, 17);
        bell.closeSubpath();
        p.drawPath(bell);
        p.drawLine(QPointF(12, 3), QPointF(12, 5));
        p.drawArc(QRectF(10, 17, 4, 4), 180 * 16, 180 * 16);
    } else {
        p.drawEllipse(QPointF(12, 12), 7, 7);
    }
}

} // namespace

ModeBar::ModeBar(QWidget *parent)
    : QWidget(parent)
    , m_group(new QButtonGroup(this))
    , m_layout(new QVBoxLayout(this))
{
    setObjectName(QStringLiteral("sidebar"));
    setAutoFillBackground(true);
    m_group->setExclusive(true);
    m_layout->setContentsMargins(0, 4, 0, 4);
    m_layout->setSpacing(0);
    m_layout->addStretch(1);
    connect(m_group, &QButtonGroup::idClicked, this, &ModeBar::currentChanged);
    applyPalette();
}

QStringList ModeBar::modeIconNames()
{
    return {QStringLiteral("overview"), QStringLiteral("flows"), QStringLiteral("connections"),
            QStringLiteral("trace"), QStringLiteral("deadletters"), QStringLiteral("replays"), QStringLiteral("reconcile"),
            QStringLiteral("alerts"), QStringLiteral("page")};
}

QIcon ModeBar::modeIcon(const QString &name, const QColor &colour, int size)
{
    QIcon icon;
    for (const qreal ratio : {1.0, 2.0, qGuiApp ? qGuiApp->devicePixelRatio() : 1.0}) {
        QPixmap pixmap(QSize(size, size) * ratio);
        pixmap.setDevicePixelRatio(ratio);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 24.0, size / 24.0);
        p.setPen(QPen(colour, 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        drawGlyph(p, name);
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

int ModeBar::addMode(const QString &title, const QString &icon)
{
    auto *button = new QToolButton(this);
    const int index = count();
    button->setObjectName(QStringLiteral("mode-") + icon);
    button->setText(title);
    button->setToolTip(title);
    button->setCheckable(true);
    button->setAutoRaise(true);
    button->setToolButtonStyle(Qt::ToolButtonTextUnderIcon);
    button->setIconSize(QSize(28, 28));
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    button->setMinimumHeight(64);
    button->setFocusPolicy(Qt::TabFocus);
    m_icons << icon;
    m_group->addButton(button, index);
    m_layout->insertWidget(index, button);
    button->setIcon(modeIcon(icon, palette().color(QPalette::ButtonText)));
    if (index == 0)
        button->setChecked(true);
    return index;
}

int ModeBar::count() const
{
    return int(m_group->buttons().size());
}

int ModeBar::currentIndex() const
{
    return m_group->checkedId();
}

void ModeBar::setCurrentIndex(int index)
{
    QAbstractButton *b = button(index);
    if (!b || b->isChecked())
        return;
    b->setChecked(true);
    emit currentChanged(index);
}

QString ModeBar::modeText(int index) const
{
    const QAbstractButton *b = button(index);
    return b ? b->text() : QString();
}

QAbstractButton *ModeBar::button(int index) const
{
    return m_group->button(index);
}

void ModeBar::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

void ModeBar::applyPalette()
{
    // A shade apart from the window, computed from it: darker on a light
    // palette, lighter on a dark one.
    if (m_applying)
        return;
    m_applying = true;
    const QPalette inherited = parentWidget() ? parentWidget()->palette() : QGuiApplication::palette();
    const QColor window = inherited.color(QPalette::Window);
    QPalette own; // only the window role: the others follow the application's palette
    own.setColor(QPalette::Window, models::isDarkPalette(inherited) ? window.lighter(125) : window.darker(110));
    setPalette(own);
    for (int i = 0; i < count(); ++i)
        button(i)->setIcon(modeIcon(m_icons.value(i), inherited.color(QPalette::ButtonText)));
    m_applying = false;
}

} // namespace idem::ui
