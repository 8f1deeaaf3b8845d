#include "models/envelope/topicpairing.h"

#include "models/envelope/envelopetext_p.h"
#include "models/envelope/presets.h"

#include <QHash>
#include <QMap>
#include <QSet>
#include <algorithm>

namespace idem::models {

using envelope_detail::EnvelopeText;

namespace {

constexpr qint64 kOrderCap = qint64(1) << 50;

enum class TokenKind {
    Literal,
    Topic,
    Delay,
    Number,
};

struct Token
{
    TokenKind kind;
    QString literal;
};

QList<Token> tokenize(const QString &pattern)
{
    QList<Token> tokens;
    QString literal;
    for (qsizetype i = 0; i < pattern.size();) {
        if (pattern[i] == QLatin1Char('{')) {
            const qsizetype close = pattern.indexOf(QLatin1Char('}'), i);
            const QStringView name = QStringView(pattern).sliced(i + 1, close - i - 1);
            if (!literal.isEmpty())
                tokens.append({ TokenKind::Literal, std::exchange(literal, {}) });
            if (name == QLatin1String("topic"))
                tokens.append({ TokenKind::Topic, {} });
            else if (name == QLatin1String("delay"))
                tokens.append({ TokenKind::Delay, {} });
            else
                tokens.append({ TokenKind::Number, {} });
            i = close + 1;
            continue;
        }
        literal += pattern[i++];
    }
    if (!literal.isEmpty())
        tokens.append({ TokenKind::Literal, literal });
    return tokens;
}

struct Match
{
    QString base;
    QList<qint64> numbers; // {delay} in ms as written (no unit: as is), {n} as is
};

qint64 digitsValue(QStringView digits)
{
    qint64 v = 0;
    for (QChar c : digits) {
        v = v * 10 + (c.unicode() - '0');
        if (v > kOrderCap)
            return kOrderCap;
    }
    return v;
}

qint64 unitFactor(QStringView unit)
{
    if (unit == QLatin1String("ms") || unit.isEmpty())
        return 1;
    if (unit == QLatin1String("s"))
        return 1000;
    if (unit == QLatin1String("m"))
        return 60'000;
    if (unit == QLatin1String("h"))
        return 3'600'000;
    return 86'400'000; // d
}

// Backtracking match of tokens[ti..] against name[pos..]; longer {topic}
// matches first, so "a.retry.retry.1m" reads as a retry of "a.retry".
bool matchFrom(const QList<Token> &tokens, qsizetype ti, QStringView name, qsizetype pos, Match &m)
{
    if (ti == tokens.size())
        return pos == name.size();
    const Token &t = tokens[ti];
    switch (t.kind) {
    case TokenKind::Literal:
        if (name.size() - pos < t.literal.size()
            || name.sliced(pos, t.literal.size()).compare(t.literal, Qt::CaseInsensitive) != 0)
            return false;
        return matchFrom(tokens, ti + 1, name, pos + t.literal.size(), m);
    case TokenKind::Topic:
        for (qsizetype end = name.size(); end > pos; --end) {
            m.base = name.sliced(pos, end - pos).toString();
            if (matchFrom(tokens, ti + 1, name, end, m))
                return true;
        }
        return false;
    case TokenKind::Delay:
    case TokenKind::Number: {
        qsizetype digitsEnd = pos;
        while (digitsEnd < name.size() && name[digitsEnd].isDigit()
               && name[digitsEnd].unicode() < 128)
            ++digitsEnd;
        for (qsizetype end = digitsEnd; end > pos; --end) {
            const qint64 value = digitsValue(name.sliced(pos, end - pos));
            QList<QStringView> units { QStringView() };
            if (t.kind == TokenKind::Delay && end == digitsEnd) {
                for (const char *u : { "ms", "s", "m", "h", "d" }) {
                    const QLatin1String unit(u);
                    if (name.sliced(end).startsWith(unit, Qt::CaseInsensitive))
                        units.prepend(name.sliced(end, unit.size()));
                }
            }
            for (QStringView unit : units) {
                const qint64 factor = unitFactor(unit.toString().toLower());
                m.numbers.append(value > kOrderCap / factor ? kOrderCap : value * factor);
                if (matchFrom(tokens, ti + 1, name, end + unit.size(), m))
                    return true;
                m.numbers.removeLast();
            }
        }
        return false;
    }
    }
    return false;
}

qint64 orderOf(const QList<qint64> &numbers)
{
    if (numbers.isEmpty())
        return -1;
    qint64 order = numbers.first();
    if (numbers.size() > 1) // {delay}-{n}: repeated equal delays, by index
        order = std::min(kOrderCap, order * 1000 + std::min<qint64>(numbers[1], 999));
    return order;
}

QString presetTitle(const QString &name)
{
    const EnvelopePreset *p = findEnvelopePreset(name);
    return p ? p->title : name;
}

struct Resolved
{
    DerivedTopic reading;
    QString source;
    bool listed = false;
    int rank = 0; // 0 direct, 1 by stem, 2 unlisted
    QString evidence;
};

} // namespace

QList<DerivedTopic> deriveTopicName(const QString &topic)
{
    QList<DerivedTopic> readings;
    for (const EnvelopePreset &preset : envelopePresets()) {
        const auto tryPatterns = [&](const QStringList &patterns, DerivedTopicRole role) {
            for (const QString &pattern : patterns) {
                Match m;
                if (!matchFrom(tokenize(pattern), 0, topic, 0, m))
                    continue;
                readings.append({ topic, m.base, role, preset.name, pattern, orderOf(m.numbers) });
            }
        };
        tryPatterns(preset.deadLetterTopicPatterns, DerivedTopicRole::DeadLetter);
        tryPatterns(preset.retryTopicPatterns, DerivedTopicRole::Retry);
    }
    return readings;
}

QList<TopicPairing> pairTopicsByName(const QStringList &topics)
{
    const QSet<QString> listed(topics.cbegin(), topics.cend());
    QHash<QString, QList<DerivedTopic>> readings;
    for (const QString &t : listed) {
        const auto r = deriveTopicName(t);
        if (!r.isEmpty())
            readings.insert(t, r);
    }

    // The listed source a base name stands for: itself, or through a chain of
    // derived names ("orders.retry.1m.dlq"), the chain's root.
    const auto rootOf = [&](const QString &base) {
        QString current = base;
        for (int depth = 0; depth < 4 && readings.contains(current); ++depth) {
            QString next;
            for (const DerivedTopic &r : readings.value(current)) {
                if (listed.contains(r.baseName)) {
                    next = r.baseName;
                    break;
                }
            }
            if (next.isEmpty())
                break;
            current = next;
        }
        return current;
    };

    QList<Resolved> resolved;
    QStringList derivedNames = readings.keys();
    derivedNames.sort();
    for (const QString &topic : derivedNames) {
        std::optional<Resolved> best;
        for (const DerivedTopic &r : readings.value(topic)) {
            Resolved candidate;
            candidate.reading = r;
            const QString matched = EnvelopeText::tr("%1 matches %2 (%3)")
                                        .arg(topic, r.pattern, presetTitle(r.preset));
            if (listed.contains(r.baseName)) {
                candidate.source = rootOf(r.baseName);
                candidate.listed = true;
                candidate.rank = 0;
                candidate.evidence = matched;
            } else {
                QStringList stems;
                for (const QString &t : listed) {
                    if (readings.contains(t) || t.size() <= r.baseName.size() + 1
                        || !t.startsWith(r.baseName))
                        continue;
                    const QChar sep = t[r.baseName.size()];
                    if (sep == QLatin1Char('.') || sep == QLatin1Char('-')
                        || sep == QLatin1Char('_'))
                        stems.append(t);
                }
                if (stems.size() == 1) {
                    candidate.source = stems.first();
                    candidate.listed = true;
                    candidate.rank = 1;
                    candidate.evidence = EnvelopeText::tr("%1; %2 is the only topic named %3.*")
                                             .arg(matched, stems.first(), r.baseName);
                } else {
                    candidate.source = r.baseName;
                    candidate.listed = false;
                    candidate.rank = 2;
                    candidate.evidence
                        = EnvelopeText::tr("%1; there is no topic %2").arg(matched, r.baseName);
                }
            }
            if (!best || candidate.rank < best->rank)
                best = candidate;
        }
        if (best)
            resolved.append(*best);
    }

    QMap<QString, TopicPairing> bySource;
    QHash<QString, QList<std::pair<qint64, QString>>> retries;
    for (const Resolved &r : resolved) {
        TopicPairing &p = bySource[r.source];
        p.sourceTopic = r.source;
        p.sourceListed = r.listed;
        if (r.reading.role == DerivedTopicRole::DeadLetter)
            p.deadLetterTopics.append(r.reading.topic);
        else
            retries[r.source].append({ r.reading.order, r.reading.topic });
        if (!p.presets.contains(r.reading.preset))
            p.presets.append(r.reading.preset);
        p.evidence.append(r.evidence);
    }
    QList<TopicPairing> pairings;
    for (TopicPairing &p : bySource) {
        auto list = retries.value(p.sourceTopic);
        std::sort(list.begin(), list.end());
        for (const auto &[order, name] : list)
            p.retryTopics.append(name);
        p.deadLetterTopics.sort();
        pairings.append(p);
    }
    return pairings;
}

std::optional<TopicPairing> pairingOf(const QString &topic, const QList<TopicPairing> &pairings)
{
    for (const TopicPairing &p : pairings) {
        if (p.sourceTopic == topic || p.retryTopics.contains(topic)
            || p.deadLetterTopics.contains(topic))
            return p;
    }
    return std::nullopt;
}

} // namespace idem::models
