#pragma once

// The navigation sidebar in the style of Qt Creator's mode bar: a column of
// large checkable buttons, an icon above each page's name, on a band a shade
// apart from the window. Icons are drawn in the palette's text colour at the
// screen's pixel ratio, so they follow light and dark palettes and stay sharp
// on high-DPI screens.

#include <QIcon>
#include <QWidget>

class QAbstractButton;
class QButtonGroup;
class QVBoxLayout;

namespace idem::ui {

class ModeBar final : public QWidget
{
    Q_OBJECT

public:
    explicit ModeBar(QWidget *parent = nullptr);

    // Appends a mode; `icon` names one of modeIconNames(). Returns its index.
    int addMode(const QString &title, const QString &icon);
    int count() const;
    int currentIndex() const;
    void setCurrentIndex(int index);
    QString modeText(int index) const;
    QAbstractButton *button(int index) const;

    // overview, flows, connections, trace, deadletters, replays, page.
    static QStringList modeIconNames();
    // The icon `name` drawn with `colour` at logical `size`.
    static QIcon modeIcon(const QString &name, const QColor &colour, int size = 24);

signals:
    void currentChanged(int index);

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();

    QButtonGroup *m_group = nullptr;
    QVBoxLayout *m_layout = nullptr;
    QStringList m_icons; // by index
    bool m_applying = false;
};

} // namespace idem::ui
