#include "models/envelope/deadletterdigest.h"

#include <QCoreApplication>

#include <algorithm>

namespace idem::models {

void DeadLetterDigest::add(const RawMessage &message, const DecodedEnvelope &decoded)
{
    ++m_read;
    m_decodeErrors.record(message, decoded);
    const QDateTime at = message.timestampMs >= 0 ? QDateTime::fromMSecsSinceEpoch(message.timestampMs, Qt::UTC)
                                                   : QDateTime();
    if (at.isValid() && (!m_oldest.isValid() || at < m_oldest))
        m_oldest = at;

    FailureGroup group = failureGroupOf(decoded);
    auto find = [this](const QString &key) {
        return std::find_if(m_failures.begin(), m_failures.end(), [&](const FailureCount &f) { return f.group.key == key; });
    };
    auto it = find(group.key);
    if (it == m_failures.end() && m_failures.size() >= MaxFailureGroups) {
        group = FailureGroup{FailureGroup::Basis::ErrorCause, QStringLiteral("idem:other"), QString(),
                             QString(),
                             QCoreApplication::translate("idem::models::DeadLetterDigest",
                                                         "other failures (more than %1 different ones)")
                                 .arg(MaxFailureGroups)};
        it = find(group.key);
    }
    if (it == m_failures.end()) {
        FailureCount f;
        f.group = group;
        f.exampleEventId = decoded.eventId;
        f.exampleError = decoded.error.isEmpty() ? decoded.stackTrace.left(500) : decoded.error.left(500);
        m_failures.append(f);
        it = m_failures.end() - 1;
    }
    ++it->count;
    if (at.isValid() && (!it->newest.isValid() || at > it->newest))
        it->newest = at;
    if (!decoded.consumerGroup.isEmpty() && !it->consumerGroups.contains(decoded.consumerGroup)) {
        it->consumerGroups.append(decoded.consumerGroup);
        it->consumerGroups.sort();
    }
}

QList<FailureCount> DeadLetterDigest::failures() const
{
    QList<FailureCount> sorted = m_failures;
    std::stable_sort(sorted.begin(), sorted.end(), [](const FailureCount &a, const FailureCount &b) {
        if (a.count != b.count)
            return a.count > b.count;
        if (a.newest != b.newest)
            return a.newest > b.newest;
        return a.group.label() < b.group.label();
    });
    return sorted;
}

} // namespace idem::models
