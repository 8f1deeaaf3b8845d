#pragma once

// The order in which the Overview lists flows: trouble first. A flow's lag
// status by severity (STALLED and STOPPED before WARNING before OK), then how
// many of its figures are above their thresholds, then its name in natural
// order (f2 before f10), so the one flow in trouble among a hundred is at
// the top.

#include "models/metrics/lagstatus.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace idem::models {

struct FlowTrouble
{
    QString flow;
    LagStatus status = LagStatus::NotEnoughData;
    int figuresAboveThreshold = 0;
};

// Whether `a` sorts before `b` in natural order: runs of digits compare as
// numbers ("f2" < "f10"), the rest case-insensitively, then exactly.
bool naturalLess(const QString &a, const QString &b);

// The flows, trouble first (see above).
QStringList orderByTrouble(QList<FlowTrouble> flows);

} // namespace idem::models
