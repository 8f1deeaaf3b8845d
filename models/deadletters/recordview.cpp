#include "models/deadletters/recordview.h"

#include "models/envelope/fieldspec.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QSet>
#include <QStringDecoder>

namespace idem::models {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("DeadLetters", text);
}

// Valid UTF-8 without control characters other than tab, newline and CR.
std::optional<QString> printableText(QByteArrayView bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder(bytes);
    if (decoder.hasError())
        return std::nullopt;
    for (QChar c : std::as_const(text)) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r') || u == 0x7f || (u >= 0x80 && u < 0xa0))
            return std::nullopt;
    }
    return text;
}

// Header names the envelope reads as binary big-endian numbers.
QSet<QByteArray> bigEndianHeaders(const EnvelopeSpec &spec)
{
    QSet<QByteArray> names;
    for (EnvelopeField f : allEnvelopeFields()) {
        if (envelopeFieldType(f) == EnvelopeValueType::Text)
            continue;
        for (const FieldSource &s : spec.field(f).alternatives) {
            if (s.kind == FieldSourceKind::Header
                && (s.format == ValueFormat::Int || s.format == ValueFormat::Int32Be || s.format == ValueFormat::Int64Be
                    || s.format == ValueFormat::Auto))
                names.insert(s.name);
        }
    }
    return names;
}

std::optional<qint64> readBigEndian(const QByteArray &bytes)
{
    const qsizetype n = bytes.size();
    if (n != 1 && n != 2 && n != 4 && n != 8)
        return std::nullopt;
    if (printableText(bytes))
        return std::nullopt; // decimal text, shown as it is
    quint64 v = 0;
    for (char c : bytes)
        v = (v << 8) | quint8(c);
    // Two's complement of the width read.
    const int bits = int(n * 8);
    if (bits < 64 && (v >> (bits - 1)) & 1)
        v |= ~quint64(0) << bits;
    return qint64(v);
}

} // namespace

QString hexDump(const QByteArray &bytes)
{
    QString out;
    out.reserve(bytes.size() * 3 + bytes.size() / 16 * 10);
    for (qsizetype i = 0; i < bytes.size(); i += 16) {
        out += QStringLiteral("%1  ").arg(i, 8, 16, QLatin1Char('0'));
        out += QString::fromLatin1(bytes.mid(i, 16).toHex(' '));
        out += QLatin1Char('\n');
    }
    return out;
}

RecordBytesView viewBytes(const std::optional<QByteArray> &bytes, bool prettyJson)
{
    RecordBytesView v;
    if (!bytes)
        return v;
    v.size = bytes->size();
    const QByteArray shown = bytes->size() > MaxShownBytes ? bytes->left(MaxShownBytes) : *bytes;
    v.truncated = bytes->size() > MaxShownBytes;
    if (prettyJson && !v.truncated) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(shown, &error);
        if (error.error == QJsonParseError::NoError && !doc.isNull()) {
            v.form = RecordBytesView::Form::Json;
            v.text = QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
            return v;
        }
    }
    // A cut may split a UTF-8 sequence: up to 3 bytes at the end are left out of the check.
    QByteArrayView check(shown);
    if (v.truncated)
        check = check.first(std::max<qsizetype>(0, check.size() - 3));
    if (auto text = printableText(check)) {
        v.form = RecordBytesView::Form::Text;
        v.text = *text;
        return v;
    }
    v.form = RecordBytesView::Form::Hex;
    v.text = hexDump(shown);
    return v;
}

RecordView viewRecord(const RawMessage &message, const EnvelopeSpec &spec)
{
    RecordView view;
    view.position = QStringLiteral("%1:%2:%3").arg(message.topic).arg(message.partition).arg(message.offset);
    view.timestampMs = message.timestampMs;
    view.key = viewBytes(message.key, false);
    const QSet<QByteArray> numeric = bigEndianHeaders(spec);
    view.size = view.key.size;
    for (const RawHeader &h : message.headers) {
        RecordHeaderView hv;
        const auto name = printableText(h.name);
        hv.name = name ? *name : QStringLiteral("0x") + QString::fromLatin1(h.name.toHex());
        hv.value = viewBytes(h.value, false);
        if (h.value && numeric.contains(h.name))
            hv.bigEndian = readBigEndian(*h.value);
        view.size += h.name.size() + hv.value.size;
        view.headers.append(hv);
    }
    view.payload = viewBytes(message.value, true);
    view.size += view.payload.size;
    return view;
}

namespace {

QString describe(const RecordBytesView &v)
{
    switch (v.form) {
    case RecordBytesView::Form::Absent:
        return tr("(null)");
    case RecordBytesView::Form::Text:
    case RecordBytesView::Form::Json:
        return v.text;
    case RecordBytesView::Form::Hex:
        return tr("(binary, %1 bytes)\n").arg(v.size) + v.text;
    }
    return {};
}

} // namespace

QString RecordView::text() const
{
    QString out = tr("Record %1, %2 bytes").arg(position).arg(size);
    if (timestampMs >= 0)
        out += tr(", at %1").arg(QDateTime::fromMSecsSinceEpoch(timestampMs, Qt::UTC).toString(Qt::ISODateWithMs));
    out += QStringLiteral("\n\n") + tr("Key: ") + describe(key) + QStringLiteral("\n\n") + tr("Headers:\n");
    if (headers.isEmpty())
        out += tr("  (none)\n");
    for (const RecordHeaderView &h : headers) {
        out += QStringLiteral("  ") + h.name + QStringLiteral(": ") + describe(h.value).trimmed();
        if (h.bigEndian)
            out += tr("  (big-endian integer %1)").arg(*h.bigEndian);
        out += QLatin1Char('\n');
    }
    out += QLatin1Char('\n') + tr("Payload (%1 bytes%2):\n").arg(payload.size).arg(payload.truncated ? tr(", the first 1 MiB shown") : QString())
        + describe(payload) + QLatin1Char('\n');
    return out;
}

} // namespace idem::models
