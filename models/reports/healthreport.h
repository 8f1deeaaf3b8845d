#pragma once

// What `idemctl health` reports: each connection's state, the four figures
// of each flow and each reachable store's own figures. JSON and text are
// both rendered from this one report.

#include "models/health/connectionhealth.h"
#include "models/metrics/flowmetrics.h"
#include "models/metrics/storefigures.h"

#include <QHash>
#include <QJsonObject>

namespace idem::models {

struct HealthReport
{
    QList<ConnectionHealth> connections;
    QHash<QString, QStringList> clusterNotes; // cluster -> what its poll noted without a fault
    QList<FlowFigures> flows;
    QList<StoreFigures> stores;

    QStringList notesOf(const ConnectionHealth &connection) const;
    int down() const; // connections that are down
};

// The kind as JSON names it: "cluster", "store", "ops".
QString connectionKindKey(ConnectionHealth::Kind kind);

QJsonObject toJson(const HealthReport &report);
QString toText(const HealthReport &report);

} // namespace idem::models
