#include "models/envelope/detection.h"

#include "models/envelope/envelope.h"
#include "models/envelope/envelope_p.h"
#include "models/envelope/envelopetext_p.h"
#include "models/envelope/presets.h"

#include <QHash>
#include <QSet>
#include <algorithm>

namespace idem::models {

using namespace envelope_detail;

namespace {

constexpr int kHeadersShown = 15;

QString sampledLine(int count, int sampled, const QString &what)
{
    return EnvelopeText::tr("%1 of %2 sampled messages %3").arg(count).arg(sampled).arg(what);
}

QString carryPhrase(const FieldSource &s, bool structured)
{
    switch (s.kind) {
    case FieldSourceKind::Header:
        return EnvelopeText::tr("carry %1").arg(QString::fromUtf8(s.name));
    case FieldSourceKind::Key:
        return EnvelopeText::tr("have a key");
    case FieldSourceKind::Payload:
        return EnvelopeText::tr("carry %1 in the payload").arg(jsonPointerText(s.pointer));
    case FieldSourceKind::Data:
        return EnvelopeText::tr("carry %1 in the event data").arg(jsonPointerText(s.pointer));
    case FieldSourceKind::CloudEvent:
        return structured ? EnvelopeText::tr("are structured CloudEvents with %1")
                                .arg(QString::fromLatin1(s.name))
                          : EnvelopeText::tr("carry ce_%1").arg(QString::fromLatin1(s.name));
    case FieldSourceKind::Timestamp:
        return EnvelopeText::tr("have a timestamp");
    }
    return {};
}

// How many sampled messages carry every marker of one side of a preset, and
// the evidence for each source that was seen.
struct SideCount
{
    int matched = 0;
    QStringList evidence;
};

SideCount countSide(const QStringList &markers, const QList<RawMessage> &sample)
{
    SideCount result;
    if (markers.isEmpty())
        return result;
    QList<FieldSource> sources;
    QList<qsizetype> markerOf;
    for (qsizetype m = 0; m < markers.size(); ++m) {
        const auto spec = parseFieldSpec(markers[m], EnvelopeField::Subject);
        if (!spec)
            continue; // the table is ours and tested; a broken marker finds nothing
        for (const FieldSource &s : spec->alternatives) {
            sources.append(s);
            markerOf.append(m);
        }
    }
    QList<int> present(sources.size(), 0);
    QList<int> structured(sources.size(), 0);
    for (const RawMessage &message : sample) {
        const QList<Presence> found = probeSources(message, sources);
        QList<bool> satisfied(markers.size(), false);
        for (qsizetype i = 0; i < found.size(); ++i) {
            if (found[i] == Presence::Absent)
                continue;
            satisfied[markerOf[i]] = true;
            ++(found[i] == Presence::PresentStructured ? structured[i] : present[i]);
        }
        if (std::all_of(satisfied.cbegin(), satisfied.cend(), [](bool b) { return b; }))
            ++result.matched;
    }
    const int n = int(sample.size());
    for (qsizetype i = 0; i < sources.size(); ++i) {
        if (present[i] > 0)
            result.evidence.append(sampledLine(present[i], n, carryPhrase(sources[i], false)));
        if (structured[i] > 0)
            result.evidence.append(sampledLine(structured[i], n, carryPhrase(sources[i], true)));
    }
    if (markers.size() > 1 && result.matched > 0)
        result.evidence.append(
            sampledLine(result.matched, n, EnvelopeText::tr("have all of these")));
    return result;
}

struct PresetCounts
{
    const EnvelopePreset *preset = nullptr;
    SideCount identity;
    SideCount deadLetter;
};

template<typename Key> QList<std::pair<Key, int>> byCount(const QHash<Key, int> &counts)
{
    QList<std::pair<Key, int>> list;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        list.append({ it.key(), it.value() });
    std::sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return list;
}

struct Evaluation
{
    PresetProposal proposal;
    QList<std::pair<QString, int>> originalTopics;
};

Evaluation evaluate(const QString &name, const PresetCounts &identity,
                    const PresetCounts *deadLetter, const QList<RawMessage> &sample)
{
    Evaluation e;
    PresetProposal &p = e.proposal;
    p.preset = name;
    p.sampled = int(sample.size());
    const auto spec = makeEnvelopeSpec(name);
    if (!spec)
        return e;

    QHash<QString, int> problems;
    QHash<QString, int> originals;
    int deadLetters = 0;
    for (const RawMessage &message : sample) {
        const DecodedEnvelope d = decode(message, spec.value());
        if (d.ok())
            ++p.readable;
        else
            ++problems[d.problems.first().text()];
        if (d.isDeadLetter())
            ++deadLetters;
        if (!d.originalTopic.isEmpty())
            ++originals[d.originalTopic];
    }
    const double n = double(sample.size());
    double markers = identity.identity.matched / n * identity.preset->specificity;
    if (deadLetter) {
        markers += deadLetter->deadLetter.matched / n * deadLetter->preset->specificity;
        markers /= 2;
    }
    p.score = 0.5 * markers + 0.5 * (p.readable / n);
    p.deadLetter = deadLetters * 2 >= sample.size();

    p.evidence += identity.identity.evidence;
    if (deadLetter)
        p.evidence += deadLetter->deadLetter.evidence;
    p.evidence.append(
        sampledLine(p.readable, p.sampled, EnvelopeText::tr("read without a problem")));
    const auto problemList = byCount(problems);
    if (!problemList.isEmpty()) {
        p.evidence.append(EnvelopeText::tr("most common problem (%1 of %2): %3")
                              .arg(problemList.first().second)
                              .arg(p.sampled)
                              .arg(problemList.first().first));
    }
    e.originalTopics = byCount(originals);
    if (!e.originalTopics.isEmpty()) {
        QStringList parts;
        for (const auto &[topic, count] : e.originalTopics.mid(0, 5))
            parts.append(QStringLiteral("%1 (%2)").arg(topic).arg(count));
        p.evidence.append(
            EnvelopeText::tr("original topics: %1").arg(parts.join(QStringLiteral(", "))));
    }
    return e;
}

QStringList observe(const QList<RawMessage> &sample)
{
    QHash<QString, int> kinds;
    QHash<QString, int> schemaIds;
    QHash<QString, int> headers;
    int keyed = 0;
    const auto spec = makeEnvelopeSpec(QStringLiteral("custom"),
                                       { { QStringLiteral("event_id"), QStringLiteral("key") } });
    for (const RawMessage &message : sample) {
        const DecodedEnvelope d = decode(message, spec.value());
        ++kinds[payloadKindName(d.payloadKind)];
        if (d.schemaId)
            ++schemaIds[QString::number(*d.schemaId)];
        keyed += message.key && !message.key->isEmpty() ? 1 : 0;
        QSet<QByteArray> seen;
        for (const RawHeader &h : message.headers) {
            if (!seen.contains(h.name)) {
                seen.insert(h.name);
                ++headers[QString::fromUtf8(h.name)];
            }
        }
    }
    const auto join = [](const QList<std::pair<QString, int>> &list, qsizetype limit) {
        QStringList parts;
        for (const auto &[name, count] : list.mid(0, limit))
            parts.append(QStringLiteral("%1 (%2)").arg(name).arg(count));
        if (list.size() > limit)
            parts.append(EnvelopeText::tr("%1 more").arg(list.size() - limit));
        return parts.join(QStringLiteral(", "));
    };
    QStringList out;
    out.append(EnvelopeText::tr("payloads: %1").arg(join(byCount(kinds), 10)));
    if (!schemaIds.isEmpty())
        out.append(EnvelopeText::tr("Schema Registry ids: %1").arg(join(byCount(schemaIds), 10)));
    out.append(sampledLine(keyed, int(sample.size()), EnvelopeText::tr("have a key")));
    if (headers.isEmpty())
        out.append(EnvelopeText::tr("no sampled message has headers"));
    else
        out.append(EnvelopeText::tr("headers seen: %1").arg(join(byCount(headers), kHeadersShown)));
    return out;
}

} // namespace

EnvelopeDetection detectEnvelope(const QString &topic, const QList<RawMessage> &sample,
                                 const QStringList &topicNames)
{
    EnvelopeDetection det;
    det.topic = topic;
    det.sampled = int(sample.size());
    if (!topicNames.isEmpty()) {
        QStringList names = topicNames;
        if (!names.contains(topic))
            names.append(topic);
        det.pairing = pairingOf(topic, pairTopicsByName(names));
    }
    if (sample.isEmpty()) {
        det.observations.append(EnvelopeText::tr("no messages sampled"));
        return det;
    }
    det.observations = observe(sample);

    QList<PresetCounts> counts;
    const PresetCounts *idem = nullptr;
    for (const EnvelopePreset &preset : envelopePresets()) {
        if (preset.identityMarkers.isEmpty() && preset.deadLetterMarkers.isEmpty())
            continue;
        counts.append({ &preset, countSide(preset.identityMarkers, sample),
                        countSide(preset.deadLetterMarkers, sample) });
    }
    for (const PresetCounts &c : counts) {
        if (c.preset->name == QLatin1String("idem"))
            idem = &c;
    }

    QList<const PresetCounts *> identities;
    QList<const PresetCounts *> deadLetters;
    for (const PresetCounts &c : counts) {
        if (c.identity.matched > 0)
            identities.append(&c);
        if (c.deadLetter.matched > 0)
            deadLetters.append(&c);
    }
    const bool nothingFits = identities.isEmpty() && deadLetters.isEmpty();
    if (identities.isEmpty())
        identities.append(idem); // Idem's defaults are what a flow gets unless told otherwise

    QList<Evaluation> evaluations;
    const auto add = [&](const QString &name, const PresetCounts *i, const PresetCounts *d) {
        for (const Evaluation &e : evaluations) {
            if (e.proposal.preset == name)
                return;
        }
        evaluations.append(evaluate(name, *i, d, sample));
    };
    for (const PresetCounts *i : identities) {
        const bool idemIdentity = i->preset->name == QLatin1String("idem");
        if (deadLetters.isEmpty())
            add(i->preset->name, i, nullptr);
        for (const PresetCounts *d : deadLetters) {
            // idem comes last in every chain, so its dead-letter headers are
            // implied, and Idem identity is implied by naming the other side.
            const bool idemDeadLetter = d->preset->name == QLatin1String("idem");
            QString name = idemIdentity ? d->preset->name
                : idemDeadLetter        ? i->preset->name
                                        : i->preset->name + QLatin1Char('+') + d->preset->name;
            add(name, i, d);
        }
    }
    std::stable_sort(evaluations.begin(), evaluations.end(), [](const auto &a, const auto &b) {
        return a.proposal.score > b.proposal.score;
    });
    for (const Evaluation &e : evaluations)
        det.proposals.append(e.proposal);

    if (nothingFits) {
        PresetProposal custom;
        custom.preset = QStringLiteral("custom");
        custom.sampled = det.sampled;
        custom.evidence.append(EnvelopeText::tr("no sampled message carries the headers or "
                                                "payload fields of a known convention; name "
                                                "where event_id lives (see the headers seen)"));
        det.proposals.prepend(custom); // ahead of Idem's defaults, which read nothing here
    }

    if (!det.pairing && !evaluations.isEmpty() && evaluations.first().proposal.deadLetter) {
        const auto &originals = evaluations.first().originalTopics;
        if (!originals.isEmpty() && originals.first().second * 2 >= det.sampled
            && originals.first().first != topic) {
            TopicPairing p;
            p.sourceTopic = originals.first().first;
            p.sourceListed = topicNames.isEmpty() || topicNames.contains(p.sourceTopic);
            p.deadLetterTopics.append(topic);
            p.presets.append(evaluations.first().proposal.preset);
            p.evidence.append(sampledLine(
                originals.first().second, det.sampled,
                EnvelopeText::tr("name %1 as their original topic").arg(p.sourceTopic)));
            det.pairing = p;
        }
    }
    return det;
}

} // namespace idem::models
