#pragma once

// Proposing a flow's envelope from a few sampled messages of a topic: which
// preset (or combination, "cloudevents+spring") fits, how well, and why,
// in words a person can check ("42 of 42 sampled messages carry ce_id").
// Together with the retry/dead-letter pairing the topic's name suggests, or,
// for a dead-letter topic whose name says nothing, the original topic its
// messages name.

#include "models/envelope/rawmessage.h"
#include "models/envelope/topicpairing.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace idem::models {

struct PresetProposal
{
    QString preset; // the value for envelope.preset
    double score = 0.0; // 0..1: markers found (weighted by specificity) and clean reads
    int sampled = 0;
    int readable = 0; // messages this preset reads without a problem
    bool deadLetter = false; // most sampled messages are dead-letter or retry copies
    QStringList evidence;

    bool operator==(const PresetProposal &) const = default;
};

struct EnvelopeDetection
{
    QString topic;
    int sampled = 0;
    QList<PresetProposal> proposals; // best first; "custom" when nothing fits
    std::optional<TopicPairing> pairing; // by name, else by the messages' original topic
    QStringList observations; // payload kinds and header names seen

    bool operator==(const EnvelopeDetection &) const = default;
};

// `topicNames` are the cluster's topics, for pairing by name; may be empty.
EnvelopeDetection detectEnvelope(const QString &topic, const QList<RawMessage> &sample,
                                 const QStringList &topicNames = {});

} // namespace idem::models
