#pragma once

// A dead letter's raw record made safe to show and copy: headers as text, or
// as hex when their bytes are not printable UTF-8, with the integer they
// hold where the envelope reads that header as a big-endian number; the key
// likewise; the payload pretty-printed when it is JSON, as text when it is
// UTF-8, else as hex; anything over 1 MiB cut with its size stated. Both the
// console's record view and `idemctl dlq show` render from this.

#include "models/envelope/presets.h"
#include "models/envelope/rawmessage.h"

#include <QList>
#include <QString>

#include <optional>

namespace idem::models {

struct RecordBytesView
{
    enum class Form { Absent, Text, Json, Hex };
    Form form = Form::Absent;
    QString text; // as shown: text, pretty JSON, or hex
    qint64 size = 0; // bytes of the original
    bool truncated = false; // only the first MaxShownBytes are shown
};

struct RecordHeaderView
{
    QString name; // text, or hex when the name is not printable UTF-8
    RecordBytesView value;
    std::optional<qint64> bigEndian; // what the envelope reads as a big-endian integer
};

struct RecordView
{
    QString position; // topic:partition:offset
    qint64 timestampMs = -1;
    RecordBytesView key;
    QList<RecordHeaderView> headers;
    RecordBytesView payload;
    qint64 size = 0;

    // Everything as plain text, for a terminal or the clipboard.
    QString text() const;
};

inline constexpr qint64 MaxShownBytes = 1024 * 1024;

// Printable UTF-8 (tabs and newlines allowed) shows as text; else hex.
RecordBytesView viewBytes(const std::optional<QByteArray> &bytes, bool prettyJson);
RecordView viewRecord(const RawMessage &message, const EnvelopeSpec &spec);
// Lowercase hex, 16 bytes a line with their offset.
QString hexDump(const QByteArray &bytes);

} // namespace idem::models
