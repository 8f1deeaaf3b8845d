#include "ui/charts/densegraphs.h"

#include <algorithm>
#include <cmath>

namespace idem::ui {

bool DenseGraphsLayer::canRasterise(const QCPPainter *painter)
{
    return !painter->modes().testFlag(QCPPainter::pmVectorized) && painter->transform().isIdentity()
           && painter->device() && painter->device()->devicePixelRatioF() == 1.0;
}

void DenseCapableGraph::draw(QCPPainter *painter)
{
    if (m_drawnElsewhere && DenseGraphsLayer::canRasterise(painter))
        return;
    QCPGraph::draw(painter);
}

DenseGraphsLayer::DenseGraphsLayer(QCustomPlot *plot)
    : QCPLayerable(plot, QStringLiteral("main"))
{
}

void DenseGraphsLayer::applyDefaultAntialiasingHint(QCPPainter *painter) const
{
    painter->setAntialiasing(false);
}

namespace {

// Writes into a premultiplied ARGB image whose pixels are rows of `stride`.
struct Raster
{
    quint32 *bits = nullptr;
    int stride = 0;
    int width = 0;
    int height = 0;
    quint32 colour = 0;

    void column(int x, int y0, int y1) const
    {
        if (x < 0 || x >= width)
            return;
        if (y0 > y1)
            std::swap(y0, y1);
        y0 = std::max(y0, 0);
        y1 = std::min(y1, height - 1);
        for (quint32 *p = bits + qsizetype(y0) * stride + x, *end = p + qsizetype(y1 - y0 + 1) * stride; p < end;
             p += stride)
            *p = colour;
    }
    void row(int y, int x0, int x1) const
    {
        if (y < 0 || y >= height)
            return;
        if (x0 > x1)
            std::swap(x0, x1);
        x0 = std::max(x0, 0);
        x1 = std::min(x1, width - 1);
        if (x0 <= x1)
            std::fill(bits + qsizetype(y) * stride + x0, bits + qsizetype(y) * stride + x1 + 1, colour);
    }
};

// A pixel coordinate clamped far enough outside the image to keep its
// direction without overflowing int.
int pixel(double coordinate, double origin)
{
    return int(std::lround(std::clamp(coordinate - origin, -1e6, 1e6)));
}

} // namespace

void DenseGraphsLayer::draw(QCPPainter *painter)
{
    const bool any = std::any_of(m_graphs.cbegin(), m_graphs.cend(), [](const DenseCapableGraph *g) {
        return g->drawnElsewhere() && g->realVisibility() && !g->data()->isEmpty();
    });
    if (!any || !canRasterise(painter))
        return; // a sparse chart: its graphs draw themselves
    const QRect area = m_graphs.first()->keyAxis()->axisRect()->rect();
    if (area.isEmpty())
        return;
    if (m_image.size() != area.size())
        m_image = QImage(area.size(), QImage::Format_ARGB32_Premultiplied);
    m_image.fill(Qt::transparent);
    Raster raster{reinterpret_cast<quint32 *>(m_image.bits()), int(m_image.bytesPerLine() / 4), area.width(),
                  area.height()};
    for (const DenseCapableGraph *graph : std::as_const(m_graphs)) {
        if (!graph->drawnElsewhere() || !graph->realVisibility() || graph->data()->isEmpty())
            continue;
        const QCPAxis *keys = graph->keyAxis();
        const QCPAxis *values = graph->valueAxis();
        raster.colour = qPremultiply(graph->pen().color().rgba());
        bool first = true;
        int px = 0, py = 0;
        // Step-left, like the graphs: a value holds until the next point.
        for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
            if (std::isnan(it->value))
                continue;
            const int x = pixel(keys->coordToPixel(it->key), area.left());
            const int y = pixel(values->coordToPixel(it->value), area.top());
            if (first) {
                raster.row(y, x, x);
                first = false;
            } else {
                raster.row(py, px, x);
                raster.column(x, py, y);
            }
            px = x;
            py = y;
        }
    }
    painter->drawImage(area.topLeft(), m_image);
}

} // namespace idem::ui
