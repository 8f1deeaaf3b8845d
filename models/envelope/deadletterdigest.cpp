#include "models/envelope/deadletterdigest.h"

#include "models/core/untrustedtext.h"

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
        f.exampleEventId = capUntrusted(decoded.eventId);
        // At most 500 characters with the ellipsis, never half a surrogate pair.
        f.exampleError = capUntrusted(decoded.error.isEmpty() ? decoded.stackTrace : decoded.error, 499);
        m_failures.append(f);
        it = m_failures.end() - 1;
    }
    ++it->count;
    if (at.isValid() && (!it->newest.isValid() || at > it->newest))
        it->newest = at;
    if (at.isValid() && (!it->oldest.isValid() || at < it->oldest))
        it->oldest = at;
    if (!decoded.consumerGroup.isEmpty()) {
        const QString name = capUntrusted(decoded.consumerGroup);
        const auto at = std::lower_bound(it->consumerGroups.cbegin(), it->consumerGroups.cend(), name);
        if (at != it->consumerGroups.cend() && *at == name) {
            // listed already
        } else if (it->consumerGroups.size() < MaxConsumerGroupNames) {
            it->consumerGroups.insert(at - it->consumerGroups.cbegin(), name);
        } else if (it->moreConsumerGroups.size() < MaxCountedConsumerGroups) {
            it->moreConsumerGroups.insert(qHash(name));
        }
    }
}

bool FailureCount::otherConsumerGroupsCapped() const
{
    return moreConsumerGroups.size() >= DeadLetterDigest::MaxCountedConsumerGroups;
}

QString FailureCount::consumerGroupsText() const
{
    QString text = consumerGroups.join(QStringLiteral(", "));
    if (moreConsumerGroups.isEmpty())
        return text;
    const QString more = otherConsumerGroupsCapped()
        ? QCoreApplication::translate("idem::models::DeadLetterDigest", "%1 and more than %2 more")
        : QCoreApplication::translate("idem::models::DeadLetterDigest", "%1 and %2 more");
    // One pass: a group named like a placeholder ("%2") stays itself.
    return more.arg(text, QString::number(moreConsumerGroups.size()));
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
