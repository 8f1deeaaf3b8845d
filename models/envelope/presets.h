#pragma once

// Envelope presets: the conventions of the frameworks our users' producers and
// consumers were written with, as data. A flow's envelope is a preset, or
// several joined by "+" ("cloudevents+spring": CloudEvents identity,
// dead-lettered by Spring Kafka), plus per-field overrides in the field spec
// grammar of fieldspec.h.
//
// Resolution: each field comes from the first listed preset that defines it;
// presets other than custom end with an implicit "idem", so Idem's default
// headers fill whatever the named convention leaves open. "custom" reads only
// the fields the configuration spells out and stands alone.

#include "models/core/result.h"
#include "models/envelope/envelopefield.h"
#include "models/envelope/fieldspec.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QStringView>
#include <array>
#include <utility>

namespace idem::models {

struct EnvelopePreset
{
    QString name; // as written in the configuration
    QString title; // for people
    QList<std::pair<EnvelopeField, QString>> fields; // spec text of each field it defines
    // Detection: a message follows the convention's identity (or dead-letter)
    // side when every marker spec finds one of its sources present.
    QStringList identityMarkers;
    QStringList deadLetterMarkers;
    double specificity = 1.0; // how unlikely its markers are to appear by chance
    // Topic names, with {topic} for the source topic, {delay} for digits with an
    // optional ms/s/m/h/d unit and {n} for digits. Literals match any case.
    QStringList deadLetterTopicPatterns;
    QStringList retryTopicPatterns;
};

// The one table of presets, in the order detection breaks ties.
const QList<EnvelopePreset> &envelopePresets();
const EnvelopePreset *findEnvelopePreset(QStringView name);

struct EnvelopeSpec
{
    QString preset; // as configured, e.g. "cloudevents+spring"
    std::array<FieldSpec, EnvelopeFieldCount> fields;

    const FieldSpec &field(EnvelopeField f) const { return fields[size_t(f)]; }
    void setField(EnvelopeField f, FieldSpec spec) { fields[size_t(f)] = std::move(spec); }

    bool operator==(const EnvelopeSpec &) const = default;
};

// Builds the spec of a flow from `preset` and the field overrides of its
// configuration (logical field name -> spec text). Errors name what is wrong
// and what would be right: an unknown preset or field (with the closest known
// name), a spec that does not parse (see parseFieldSpec), a custom envelope
// without event_id.
Result<EnvelopeSpec> makeEnvelopeSpec(const QString &preset,
                                      const QMap<QString, QString> &fields = {});

} // namespace idem::models
