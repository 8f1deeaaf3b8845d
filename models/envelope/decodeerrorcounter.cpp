#include "models/envelope/decodeerrorcounter.h"

namespace idem::models {

namespace {

void keepRecent(QList<DecodeErrorSample> &recent)
{
    if (recent.size() > DecodeErrorCounter::RecentLimit)
        recent.remove(0, recent.size() - DecodeErrorCounter::RecentLimit);
}

} // namespace

void DecodeErrorCounter::record(const RawMessage &message, const DecodedEnvelope &decoded)
{
    TopicDecodeErrors &t = m_topics[message.topic];
    ++t.messages;
    if (decoded.ok())
        return;
    ++t.failed;
    for (const FieldProblem &problem : decoded.problems)
        ++t.byField[size_t(problem.field)];
    QStringList texts;
    for (const FieldProblem &problem : decoded.problems)
        texts.append(problem.text());
    t.recent.append({ message.partition, message.offset, texts.join(QLatin1Char('\n')) });
    keepRecent(t.recent);
}

void DecodeErrorCounter::merge(const DecodeErrorCounter &other)
{
    for (auto it = other.m_topics.cbegin(); it != other.m_topics.cend(); ++it) {
        TopicDecodeErrors &t = m_topics[it.key()];
        t.messages += it->messages;
        t.failed += it->failed;
        for (size_t i = 0; i < t.byField.size(); ++i)
            t.byField[i] += it->byField[i];
        t.recent.append(it->recent);
        keepRecent(t.recent);
    }
}

void DecodeErrorCounter::reset(const QString &topic)
{
    m_topics.remove(topic);
}

QStringList DecodeErrorCounter::topics() const
{
    QStringList names = m_topics.keys();
    names.sort();
    return names;
}

TopicDecodeErrors DecodeErrorCounter::topic(const QString &topic) const
{
    return m_topics.value(topic);
}

qint64 DecodeErrorCounter::totalFailed() const
{
    qint64 total = 0;
    for (const TopicDecodeErrors &t : m_topics)
        total += t.failed;
    return total;
}

} // namespace idem::models
