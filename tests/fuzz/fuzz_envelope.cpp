// libFuzzer target for the envelope code: whatever bytes a topic holds and
// whatever a configuration says, decoding, detection, failure grouping and
// spec parsing must neither crash nor break their promises.
//
// Input: header lines, then a line "--", then the record value (no "--" line:
// a tombstone). Line forms, with \xNN, \n and \\ escapes in the arguments:
//   p PRESET        envelope preset (default idem)
//   f FIELD=SPEC    field override
//   k KEY           record key ("k" alone: an empty key; no k line: a null key)
//   h NAME=VALUE    header ("h NAME" alone: a header without value)
//   t MILLIS        record timestamp
//   n TOPIC         a topic name, for pairing by name

#include "models/envelope/decodeerrorcounter.h"
#include "models/envelope/detection.h"
#include "models/envelope/envelope.h"
#include "models/envelope/failuregroup.h"
#include "models/envelope/fieldspec.h"
#include "models/envelope/topicpairing.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace idem::models;

namespace {

// A broken promise is a finding, like a crash.
void require(bool ok)
{
    if (!ok)
        std::abort();
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

QByteArray unescape(QByteArrayView s)
{
    QByteArray out;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 >= s.size()) {
            out.append(s[i]);
            continue;
        }
        const char next = s[i + 1];
        if (next == 'n') {
            out.append('\n');
            ++i;
        } else if (next == '\\') {
            out.append('\\');
            ++i;
        } else if (next == 'x' && i + 3 < s.size() && hexValue(s[i + 2]) >= 0
                   && hexValue(s[i + 3]) >= 0) {
            out.append(char(hexValue(s[i + 2]) * 16 + hexValue(s[i + 3])));
            i += 3;
        } else {
            out.append(s[i]);
        }
    }
    return out;
}

struct Input
{
    RawMessage message;
    QString preset = QStringLiteral("idem");
    QMap<QString, QString> fields;
    QStringList topics;
};

Input parse(QByteArrayView data)
{
    Input in;
    in.message.topic = QStringLiteral("fuzz");
    in.message.partition = 0;
    in.message.offset = 0;
    qsizetype pos = 0;
    while (pos < data.size()) {
        qsizetype end = data.indexOf('\n', pos);
        if (end < 0)
            end = data.size();
        const QByteArrayView line = data.sliced(pos, end - pos);
        pos = end + 1;
        if (line == "--") {
            in.message.value = pos < data.size() ? data.sliced(pos).toByteArray() : QByteArray();
            break;
        }
        if (line.size() < 1)
            continue;
        const QByteArrayView arg = line.size() > 2 ? line.sliced(2) : QByteArrayView();
        const qsizetype eq = arg.indexOf('=');
        switch (line[0]) {
        case 'p':
            in.preset = QString::fromUtf8(unescape(arg));
            break;
        case 'f':
            if (eq >= 0) {
                in.fields.insert(QString::fromUtf8(unescape(arg.first(eq))),
                                 QString::fromUtf8(unescape(arg.sliced(eq + 1))));
            }
            break;
        case 'k':
            in.message.key = unescape(arg);
            break;
        case 'h':
            if (eq >= 0)
                in.message.headers.append(
                    { unescape(arg.first(eq)), unescape(arg.sliced(eq + 1)) });
            else
                in.message.headers.append({ unescape(arg), std::nullopt });
            break;
        case 't':
            in.message.timestampMs = QByteArray(arg.data(), arg.size()).toLongLong();
            break;
        case 'n':
            in.topics.append(QString::fromUtf8(unescape(arg)));
            break;
        default:
            break;
        }
    }
    return in;
}

void checkSpecRoundTrip(const QString &text, EnvelopeField field)
{
    const auto spec = parseFieldSpec(text, field);
    if (!spec.ok()) {
        require(!spec.error().isEmpty());
        return;
    }
    const QString canonical = formatFieldSpec(spec.value());
    const auto again = parseFieldSpec(canonical, field);
    require(again.ok() && again.value() == spec.value());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const Input in = parse(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));

    for (auto it = in.fields.cbegin(); it != in.fields.cend(); ++it) {
        if (const auto field = envelopeFieldFromName(it.key()))
            checkSpecRoundTrip(it.value(), *field);
    }

    auto spec = makeEnvelopeSpec(in.preset, in.fields);
    if (!spec.ok()) {
        require(!spec.error().isEmpty());
        spec = makeEnvelopeSpec(QStringLiteral("idem"));
    }
    require(spec.ok());

    const DecodedEnvelope decoded = decode(in.message, spec.value());
    require(decoded.ok() == decoded.problems.isEmpty());
    for (const FieldProblem &p : decoded.problems)
        require(p.text().startsWith(QLatin1String("could not read ")) && !p.reason.isEmpty());
    // event_id is required: either read or reported.
    require(!decoded.eventId.isEmpty()
            || (!decoded.problems.isEmpty()
                && decoded.problems.first().field == EnvelopeField::EventId));
    require(decoded.schemaId.has_value()
            == (decoded.payloadKind == PayloadKind::SchemaRegistryFramed));

    DecodeErrorCounter counter;
    counter.record(in.message, decoded);
    require(counter.totalFailed() == (decoded.ok() ? 0 : 1));

    const FailureGroup group = failureGroupOf(decoded);
    require(!group.key.isEmpty());
    const QString valueText = QString::fromUtf8(in.message.value.value_or(QByteArray()));
    const FailureGroup fromValue = failureGroupOf(u"", valueText, valueText);
    require(!fromValue.key.isEmpty() && !fromValue.label().isNull());
    require(normalizeErrorCause(valueText).size() <= 301);

    const EnvelopeDetection detection
        = detectEnvelope(in.message.topic, { in.message, in.message }, in.topics);
    require(detection.sampled == 2 && !detection.proposals.isEmpty());
    for (const PresetProposal &p : detection.proposals)
        require(p.score >= 0.0 && p.score <= 1.0 && p.readable <= p.sampled);

    for (const TopicPairing &p : pairTopicsByName(in.topics)) {
        require(!p.sourceTopic.isEmpty());
        require(!p.retryTopics.isEmpty() || !p.deadLetterTopics.isEmpty());
    }
    return 0;
}
