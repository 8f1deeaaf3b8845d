#pragma once

// idemctl alerts: the alerts as the ops database records them, rendered as
// text and as JSON from the same values.

#include "models/alerts/alert.h"

#include <QJsonObject>
#include <QString>

namespace idem::models {

struct AlertsReport
{
    bool openOnly = false;
    QList<AlertRecord> alerts;

    int openCount() const;
};

QJsonObject toJson(const AlertsReport &report);
QString toText(const AlertsReport &report);

} // namespace idem::models
