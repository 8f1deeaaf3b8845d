#pragma once

// Alerts as the ops database records them (idem.alert, idem.alert_ack) and
// as every console shows them: fired and resolved by the recorder lease's
// holder, acknowledged by people.

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace idem::models {

struct AlertAck
{
    QString by;   // the login
    QString role; // approver, operator or viewer
    QDateTime at;
    QString comment;

    bool operator==(const AlertAck &) const = default;
};

struct AlertRecord
{
    qint64 id = 0;
    QString rule;    // lag_status, threshold, rising
    QString flow;
    QString subject; // the group, figure or store the rule watched
    QString severity; // warning, critical
    QDateTime firedAt;
    QDateTime resolvedAt; // invalid while open
    double worst = 0;
    QString text;
    QList<AlertAck> acks;

    bool open() const { return !resolvedAt.isValid(); }
    bool operator==(const AlertRecord &) const = default;
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::AlertRecord)
