#include "models/core/statuscolours.h"

#include <QGuiApplication>

#include <cmath>
#include <initializer_list>

namespace idem::models {

namespace {

double channel(int value)
{
    const double c = value / 255.0;
    return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

double luminance(const QColor &colour)
{
    const QColor c = colour.toRgb();
    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue());
}

} // namespace

QList<StatusColour> allStatusColours()
{
    return {StatusColour::Ok, StatusColour::Warning, StatusColour::Error, StatusColour::Neutral};
}

bool isDarkPalette(const QPalette &palette)
{
    return luminance(palette.color(QPalette::Window)) < luminance(palette.color(QPalette::WindowText));
}

QColor statusColour(StatusColour status, const QPalette &palette)
{
    const bool dark = isDarkPalette(palette);
    switch (status) {
    case StatusColour::Ok:
        return dark ? QColor(0x4a, 0xc2, 0x5a) : QColor(0x17, 0x73, 0x2f);
    case StatusColour::Warning:
        return dark ? QColor(0xe3, 0xb3, 0x41) : QColor(0x8a, 0x5a, 0x00);
    case StatusColour::Error:
        return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x1c, 0x28);
    case StatusColour::Neutral:
        break;
    }
    return dark ? QColor(0xa0, 0xa8, 0xb0) : QColor(0x5c, 0x63, 0x6a);
}

QColor seriesColour(int index, const QPalette &palette)
{
    static const QRgb light[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f};
    static const QRgb dark[] = {0x5fa8e0, 0xffa040, 0x4cc04c, 0xf05a5b, 0xb594dd, 0xc09080, 0xf0a0d8, 0xb0b0b0};
    const int i = ((index % 8) + 8) % 8;
    return QColor::fromRgb(isDarkPalette(palette) ? dark[i] : light[i]);
}

QColor statusColour(StatusColour status)
{
    return statusColour(status, QGuiApplication::palette());
}

QString statusColourName(StatusColour status)
{
    return statusColour(status).name();
}

QColor readableTextOn(const QColor &background)
{
    const QColor black(Qt::black);
    const QColor white(Qt::white);
    return contrastRatio(background, black) >= contrastRatio(background, white) ? black : white;
}

double contrastRatio(const QColor &a, const QColor &b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

namespace {

struct RoleColour
{
    QPalette::ColorRole role;
    QRgb colour;
};

// A palette with `roles` in every group, and `disabled` for the disabled
// texts.
QPalette paletteOf(std::initializer_list<RoleColour> roles, QRgb disabled)
{
    QPalette p;
    for (const RoleColour &r : roles)
        p.setColor(r.role, QColor::fromRgb(r.colour));
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor::fromRgb(disabled));
    return p;
}

} // namespace

QPalette darkPalette()
{
    constexpr QRgb text = 0xe6e6e6;
    return paletteOf({{QPalette::Window, 0x2d2f33},      {QPalette::WindowText, text},
                      {QPalette::Base, 0x1f2124},        {QPalette::AlternateBase, 0x27292d},
                      {QPalette::ToolTipBase, 0x3a3d42}, {QPalette::ToolTipText, text},
                      {QPalette::PlaceholderText, 0x80848a}, {QPalette::Text, text},
                      {QPalette::Button, 0x36393e},      {QPalette::ButtonText, text},
                      {QPalette::BrightText, 0xff7b72},  {QPalette::Light, 0x4a4d52},
                      {QPalette::Midlight, 0x3e4146},    {QPalette::Mid, 0x55595f},
                      {QPalette::Dark, 0x18191b},        {QPalette::Shadow, 0x0c0c0d},
                      {QPalette::Highlight, 0x2f6fb8},    {QPalette::HighlightedText, 0xffffff},
                      {QPalette::Link, 0x6cb6ff},        {QPalette::LinkVisited, 0xb392f0}},
                     0x80848a);
}

QPalette lightPalette()
{
    constexpr QRgb text = 0x000000;
    return paletteOf({{QPalette::Window, 0xefefef},      {QPalette::WindowText, text},
                      {QPalette::Base, 0xffffff},        {QPalette::AlternateBase, 0xf7f7f7},
                      {QPalette::ToolTipBase, 0xffffdc}, {QPalette::ToolTipText, text},
                      {QPalette::PlaceholderText, 0x808080}, {QPalette::Text, text},
                      {QPalette::Button, 0xefefef},      {QPalette::ButtonText, text},
                      {QPalette::BrightText, 0xffffff},  {QPalette::Light, 0xffffff},
                      {QPalette::Midlight, 0xcacaca},    {QPalette::Mid, 0xb8b8b8},
                      {QPalette::Dark, 0x9f9f9f},        {QPalette::Shadow, 0x767676},
                      {QPalette::Highlight, 0x308cc6},    {QPalette::HighlightedText, 0xffffff},
                      {QPalette::Link, 0x0055aa},        {QPalette::LinkVisited, 0x6a1b9a}},
                     0x787878);
}

} // namespace idem::models
