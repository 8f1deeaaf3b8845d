#pragma once

// The health of one connection (a Kafka cluster, a store, the ops database)
// as the console shows it: ok, degraded (answers, but slowly or partly) or
// down, with the last error and when the state began.

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace idem::models {

enum class HealthState { Unknown, Ok, Degraded, Down };

struct ConnectionHealth
{
    enum class Kind { Cluster, Store, OpsDatabase };

    Kind kind = Kind::Cluster;
    QString name;
    HealthState state = HealthState::Unknown;
    QString detail;        // the last error, or what was seen ("3 brokers, 12 ms")
    QDateTime checkedAt;   // when this was observed
    qint64 latencyMs = -1; // how long the check took; -1 when it did not finish
};

QString healthStateName(HealthState state);

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::ConnectionHealth)
