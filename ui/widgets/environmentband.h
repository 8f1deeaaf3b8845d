#pragma once

// The band across the top of the window that names the environment watched,
// on its configured colour (band: {label: PRODUCTION, colour: "#b71c1c"}),
// always visible. Without a colour it is drawn on the palette's mid colour.
// The text is black or white, whichever reads better on the band.

#include <QColor>
#include <QWidget>

namespace idem::ui {

class EnvironmentBand final : public QWidget
{
    Q_OBJECT

public:
    explicit EnvironmentBand(QWidget *parent = nullptr);

    // `colour`: a colour name or #RRGGBB (checked by the configuration
    // reader); empty or invalid: the palette's neutral band.
    void setBand(const QString &label, const QString &colour);
    QString label() const { return m_label; }
    // The colour drawn now.
    QColor colour() const;
    QColor textColour() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_label;
    QColor m_colour; // invalid: neutral
};

} // namespace idem::ui
