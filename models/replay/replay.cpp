#include "models/replay/replay.h"

#include "models/core/untrustedtext.h"

#include <QJsonArray>

namespace idem::models {

namespace {

QJsonValue timeJson(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonValue textJson(const QString &s)
{
    return s.isEmpty() ? QJsonValue() : QJsonValue(s);
}

QString localTime(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss t")) : QStringLiteral("-");
}

} // namespace

bool ReplayRequest::finished() const
{
    return bucketOf(status) == ReplayBucket::Finished;
}

QString OpsIdentity::roleText() const
{
    QStringList names;
    for (const char *role : {"idem_operator", "idem_approver", "idem_viewer"}) {
        if (roles.contains(QLatin1String(role)))
            names << QString::fromLatin1(role).mid(5);
    }
    return names.isEmpty() ? QStringLiteral("no Idem role") : names.join(QStringLiteral(", "));
}

QString decisionRefusal(const ReplayRequest &request, const OpsIdentity &who, const QDateTime &now)
{
    if (!who.isApprover())
        return QStringLiteral("%1 is not an approver").arg(who.user);
    if (request.requestedBy == who.user)
        return QStringLiteral("%1 requested this replay: another approver must decide").arg(who.user);
    if (request.status != QLatin1String("pending"))
        return QStringLiteral("the request is %1, not pending").arg(request.status);
    if (request.expiresAt.isValid() && request.expiresAt <= now)
        return QStringLiteral("the request expired at %1").arg(localTime(request.expiresAt));
    return {};
}

ReplayBucket bucketOf(const QString &status)
{
    if (status == QLatin1String("pending"))
        return ReplayBucket::Pending;
    if (status == QLatin1String("approved") || status == QLatin1String("executing"))
        return ReplayBucket::Approved;
    return ReplayBucket::Finished;
}

QJsonObject toJson(const ReplayRequest &r)
{
    QJsonObject states;
    for (auto it = r.itemStates.cbegin(); it != r.itemStates.cend(); ++it)
        states.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("id"), r.id},
                       {QStringLiteral("flow"), r.flow},
                       {QStringLiteral("reason"), r.reason},
                       {QStringLiteral("target_topic"), textJson(r.targetTopic)},
                       {QStringLiteral("requested_by"), r.requestedBy},
                       {QStringLiteral("requested_at"), timeJson(r.requestedAt)},
                       {QStringLiteral("expires_at"), timeJson(r.expiresAt)},
                       {QStringLiteral("status"), r.status},
                       {QStringLiteral("items_hash"), r.itemsHash},
                       {QStringLiteral("items"), r.itemCount},
                       {QStringLiteral("dry_run_skip"), r.dryRunSkip},
                       {QStringLiteral("item_states"), states},
                       {QStringLiteral("override_processed"), r.overrideProcessed},
                       {QStringLiteral("approved_by"), textJson(r.approvedBy)},
                       {QStringLiteral("approved_at"), timeJson(r.approvedAt)},
                       {QStringLiteral("executor"), textJson(r.executor)},
                       {QStringLiteral("claimed_at"), timeJson(r.claimedAt)},
                       {QStringLiteral("finished_at"), timeJson(r.finishedAt)},
                       {QStringLiteral("detail"), textJson(r.detail)}};
}

QJsonObject toJson(const ReplayDetails &d)
{
    QJsonObject o = toJson(d.request);
    QJsonArray items;
    for (const ReplayItem &i : d.items) {
        items.append(QJsonObject{
            {QStringLiteral("item"), i.item},
            {QStringLiteral("dead_letter"), i.spec.dlqAddress()},
            {QStringLiteral("event_id"), i.spec.eventId},
            {QStringLiteral("target_topic"), i.spec.targetTopic},
            {QStringLiteral("dry_run"), i.spec.dryRunSkip ? QStringLiteral("skip") : QStringLiteral("send")},
            {QStringLiteral("dry_run_reason"), textJson(i.spec.dryRunReason)},
            {QStringLiteral("state"), i.state},
            {QStringLiteral("produced_partition"), i.producedPartition ? QJsonValue(*i.producedPartition) : QJsonValue()},
            {QStringLiteral("produced_offset"), i.producedOffset ? QJsonValue(*i.producedOffset) : QJsonValue()},
            {QStringLiteral("detail"), textJson(i.detail)}});
    }
    o.insert(QStringLiteral("item_list"), items);
    QJsonArray decisions;
    for (const ReplayDecision &dec : d.decisions)
        decisions.append(QJsonObject{{QStringLiteral("decided_by"), dec.decidedBy},
                                     {QStringLiteral("decision"), dec.decision},
                                     {QStringLiteral("comment"), textJson(dec.comment)},
                                     {QStringLiteral("override_processed"), dec.overrideProcessed},
                                     {QStringLiteral("at"), timeJson(dec.at)}});
    o.insert(QStringLiteral("decisions"), decisions);
    return o;
}

QJsonObject toJson(const AuditCheck &c)
{
    return QJsonObject{{QStringLiteral("ok"), c.ok},
                       {QStringLiteral("checked"), c.checked},
                       {QStringLiteral("first_broken"), c.firstBroken ? QJsonValue(*c.firstBroken) : QJsonValue()},
                       {QStringLiteral("detail"), c.detail}};
}

QString toText(const QList<ReplayRequest> &requests)
{
    if (requests.isEmpty())
        return QStringLiteral("no replay requests\n");
    QString out = QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                      .arg(QStringLiteral("ID"), -6)
                      .arg(QStringLiteral("STATUS"), -10)
                      .arg(QStringLiteral("FLOW"), -12)
                      .arg(QStringLiteral("ITEMS"), 6)
                      .arg(QStringLiteral("REQUESTED BY"), -14)
                      .arg(QStringLiteral("REASON"));
    for (const ReplayRequest &r : requests)
        out += QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                   .arg(r.id, -6)
                   .arg(r.status, -10)
                   .arg(escapeForTerminal(r.flow), -12)
                   .arg(r.itemCount, 6)
                   .arg(escapeForTerminal(r.requestedBy), -14)
                   .arg(escapeForTerminal(capUntrusted(r.reason, 80)));
    return out;
}

QString toText(const ReplayDetails &d)
{
    const ReplayRequest &r = d.request;
    QString out;
    out += QStringLiteral("replay %1 (%2), flow %3\n").arg(r.id).arg(r.status, escapeForTerminal(r.flow));
    out += QStringLiteral("  requested by %1 at %2, expires %3\n")
               .arg(escapeForTerminal(r.requestedBy), localTime(r.requestedAt), localTime(r.expiresAt));
    out += QStringLiteral("  reason: %1\n").arg(escapeForTerminal(capUntrusted(r.reason, 500)));
    if (!r.targetTopic.isEmpty())
        out += QStringLiteral("  target topic (override): %1\n").arg(escapeForTerminal(r.targetTopic));
    out += QStringLiteral("  items: %1 (dry run: %2 to send, %3 already processed%4), items_hash %5\n")
               .arg(r.itemCount)
               .arg(r.itemCount - r.dryRunSkip)
               .arg(r.dryRunSkip)
               .arg(r.overrideProcessed ? QStringLiteral(", sent anyway by override") : QString(), r.itemsHash);
    for (const ReplayDecision &dec : d.decisions)
        out += QStringLiteral("  %1 by %2 at %3%4\n")
                   .arg(dec.decision, escapeForTerminal(dec.decidedBy), localTime(dec.at),
                        dec.comment.isEmpty() ? QString()
                                              : QStringLiteral(": ") + escapeForTerminal(capUntrusted(dec.comment, 500)));
    if (!r.executor.isEmpty())
        out += QStringLiteral("  executed by %1 from %2\n").arg(escapeForTerminal(r.executor), localTime(r.claimedAt));
    if (!r.detail.isEmpty())
        out += QStringLiteral("  detail: %1\n").arg(escapeForTerminal(capUntrusted(r.detail, 500)));
    constexpr int kShown = 50;
    for (int n = 0; n < d.items.size() && n < kShown; ++n) {
        const ReplayItem &i = d.items[n];
        QString produced;
        if (i.producedOffset)
            produced = QStringLiteral(" -> %1[%2]@%3")
                           .arg(escapeForTerminal(i.spec.targetTopic))
                           .arg(i.producedPartition.value_or(-1))
                           .arg(*i.producedOffset);
        out += QStringLiteral("  #%1 %2 event %3 dry run %4: %5%6%7\n")
                   .arg(i.item)
                   .arg(escapeForTerminal(i.spec.dlqAddress()), escapeForTerminal(capUntrusted(i.spec.eventId, 120)),
                        i.spec.dryRunSkip ? QStringLiteral("skip") : QStringLiteral("send"), i.state, produced,
                        i.detail.isEmpty() ? QString() : QStringLiteral(" (") + escapeForTerminal(i.detail) + QLatin1Char(')'));
    }
    if (d.items.size() > kShown)
        out += QStringLiteral("  … and %1 more items (--json lists them all)\n").arg(d.items.size() - kShown);
    return out;
}

} // namespace idem::models
