#pragma once

// Four-eyes replays as Idem's models see them: a request (flow, reason,
// items) made by one person, decided by another, executed once. The rules
// themselves live in the ops database (resources/sql/0001_replays.sql);
// these are the values read from it, the report rendered from them, and the
// few rules the console shows before the database would refuse anyway.

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace idem::models {

// One dead letter to replay, as requested.
struct ReplayItemSpec
{
    QString dlqTopic;
    int dlqPartition = 0;
    qint64 dlqOffset = 0;
    QString eventId;
    QString targetTopic; // the dead letter's original topic (or the request's override)
    std::optional<QByteArray> key;
    QString payloadHash; // sha256 hex of the value; empty for a tombstone
    bool dryRunSkip = false; // the dry run found it processed in a store of the target topic
    QString dryRunReason;

    QString dlqAddress() const { return QStringLiteral("%1:%2:%3").arg(dlqTopic).arg(dlqPartition).arg(dlqOffset); }
};

struct ReplayItem
{
    int item = 0;
    ReplayItemSpec spec;
    QString state; // pending, skipped, sent, confirmed, failed
    std::optional<int> producedPartition;
    std::optional<qint64> producedOffset;
    QString detail;
};

struct ReplayRequest
{
    qint64 id = 0;
    QString flow;
    QString reason;
    QString targetTopic;
    QString requestedBy;
    QDateTime requestedAt;
    QDateTime expiresAt;
    QString status; // pending, approved, rejected, expired, executing, done, failed, cancelled
    QString itemsHash;
    int itemCount = 0;
    bool overrideProcessed = false;
    QString approvedBy;
    QDateTime approvedAt;
    QString executor;
    QDateTime claimedAt;
    QDateTime finishedAt;
    QString detail;
    QMap<QString, int> itemStates; // state -> items
    int dryRunSkip = 0;

    bool finished() const;
};

struct ReplayDecision
{
    QString decidedBy;
    QString decision; // approved, rejected
    QString comment;
    bool overrideProcessed = false;
    QDateTime at;
};

struct ReplayDetails
{
    ReplayRequest request;
    QList<ReplayItem> items;
    QList<ReplayDecision> decisions;
};

// Who is signed in to the ops database.
struct OpsIdentity
{
    QString user;
    QStringList roles; // of idem_viewer, idem_operator, idem_approver

    bool isOperator() const { return roles.contains(QStringLiteral("idem_operator")); }
    bool isApprover() const { return roles.contains(QStringLiteral("idem_approver")); }
    // "approver", "operator", "viewer", "operator, approver" or "no Idem role".
    QString roleText() const;
};

// Why `who` may not approve or reject `request` now; empty when they may.
// The database decides; this is what the console says before asking it.
QString decisionRefusal(const ReplayRequest &request, const OpsIdentity &who, const QDateTime &now);

// Requests grouped as the Replays page shows them.
enum class ReplayBucket { Pending, Approved, Finished };
ReplayBucket bucketOf(const QString &status);

struct AuditCheck
{
    bool ok = false;
    qint64 checked = 0;
    std::optional<qint64> firstBroken;
    QString detail;
};

QJsonObject toJson(const ReplayRequest &request);
QJsonObject toJson(const ReplayDetails &details);
QJsonObject toJson(const AuditCheck &check);
QString toText(const QList<ReplayRequest> &requests);
QString toText(const ReplayDetails &details);

} // namespace idem::models
