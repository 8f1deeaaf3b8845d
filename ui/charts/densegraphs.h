#pragma once

// Fast drawing of dense charts. A day of history downsampled to the chart
// width still means about one point per pixel column for every series, and
// QPainter strokes each of those segments pixel by pixel with blending. When
// a chart is dense, its graphs hold still (they keep their data for the
// legend, the tooltip and CSV export) and one layer writes every visible
// series straight into an image of the plot area, once per replot, with the
// same step-left shape, colours and order. Vector output (PDF) and scaled
// output (PNG export at 2x) draw the graphs as usual.

#include <qcustomplot.h>

namespace idem::ui {

// A graph that can leave its drawing to DenseGraphsLayer.
class DenseCapableGraph final : public QCPGraph
{
public:
    using QCPGraph::QCPGraph;
    void setDrawnElsewhere(bool elsewhere) { m_drawnElsewhere = elsewhere; }
    bool drawnElsewhere() const { return m_drawnElsewhere; }

protected:
    void draw(QCPPainter *painter) override;

private:
    bool m_drawnElsewhere = false;
};

class DenseGraphsLayer final : public QCPLayerable
{
public:
    explicit DenseGraphsLayer(QCustomPlot *plot);
    void setGraphs(const QList<DenseCapableGraph *> &graphs) { m_graphs = graphs; }

    // Whether `painter` draws on the screen buffer at one pixel per pixel,
    // where the graphs may be rasterised directly.
    static bool canRasterise(const QCPPainter *painter);

protected:
    void applyDefaultAntialiasingHint(QCPPainter *painter) const override;
    void draw(QCPPainter *painter) override;

private:
    QList<DenseCapableGraph *> m_graphs;
    QImage m_image;
};

} // namespace idem::ui
