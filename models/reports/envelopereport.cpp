#include "models/reports/envelopereport.h"

#include "models/reports/reporttext.h"

#include <QJsonArray>

namespace idem::models {

QJsonObject toJson(const EnvelopeDetection &d)
{
    QJsonArray proposals;
    for (const auto &p : d.proposals)
        proposals.append(QJsonObject{{QStringLiteral("preset"), p.preset},
                                     {QStringLiteral("score"), p.score},
                                     {QStringLiteral("sampled"), p.sampled},
                                     {QStringLiteral("readable"), p.readable},
                                     {QStringLiteral("dead_letter"), p.deadLetter},
                                     {QStringLiteral("evidence"), QJsonArray::fromStringList(p.evidence)}});
    QJsonObject out{{QStringLiteral("topic"), d.topic},
                    {QStringLiteral("sampled"), d.sampled},
                    {QStringLiteral("proposals"), proposals},
                    {QStringLiteral("observations"), QJsonArray::fromStringList(d.observations)}};
    if (d.pairing)
        out.insert(QStringLiteral("pairing"),
                   QJsonObject{{QStringLiteral("source_topic"), d.pairing->sourceTopic},
                               {QStringLiteral("retry_topics"), QJsonArray::fromStringList(d.pairing->retryTopics)},
                               {QStringLiteral("dead_letter_topics"), QJsonArray::fromStringList(d.pairing->deadLetterTopics)},
                               {QStringLiteral("evidence"), QJsonArray::fromStringList(d.pairing->evidence)}});
    return out;
}

QString toText(const EnvelopeDetection &d)
{
    QString out = forTerminal(d.topic) + QStringLiteral(": ") + QString::number(d.sampled)
        + QStringLiteral(" messages sampled\n");
    int rank = 0;
    for (const auto &p : d.proposals) {
        out += QString::number(++rank) + QStringLiteral(". ") + forTerminal(p.preset) + QStringLiteral(" (score ")
            + QString::number(p.score, 'f', 2) + QStringLiteral(", ") + QString::number(p.readable)
            + QStringLiteral(" of ") + QString::number(p.sampled) + QStringLiteral(" read cleanly")
            + (p.deadLetter ? QStringLiteral(", dead letters") : QString()) + QStringLiteral(")\n");
        for (const auto &e : p.evidence)
            out += QStringLiteral("     ") + forTerminal(e) + QLatin1Char('\n');
    }
    if (d.pairing) {
        out += QStringLiteral("pairing: source ") + forTerminal(d.pairing->sourceTopic);
        if (!d.pairing->retryTopics.isEmpty())
            out += QStringLiteral(", retries ") + forTerminal(d.pairing->retryTopics.join(QStringLiteral(", ")));
        if (!d.pairing->deadLetterTopics.isEmpty())
            out += QStringLiteral(", dead letters ") + forTerminal(d.pairing->deadLetterTopics.join(QStringLiteral(", ")));
        out += QLatin1Char('\n');
        for (const auto &e : d.pairing->evidence)
            out += QStringLiteral("     ") + forTerminal(e) + QLatin1Char('\n');
    }
    for (const auto &o : d.observations)
        out += QStringLiteral("seen: ") + forTerminal(o) + QLatin1Char('\n');
    return out;
}

} // namespace idem::models
