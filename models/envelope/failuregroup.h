#pragma once

// Grouping dead letters by why they failed, so that a thousand copies of one
// bug show as one row. With a stack trace the group is the root-cause
// exception class and its first frame (what careful failed-message tools do);
// without one it is the error class and the error text with the parts that
// differ per message (ids, uuids, numbers, hex) replaced by placeholders.
//
// Known limits: Java/Kotlin/Scala and .NET traces are read by their "at"
// frames and "Caused by:" / "--->" chains, Python tracebacks by their "File"
// lines; other formats fall back to the error text.

#include "models/envelope/envelope.h"

#include <QString>
#include <QStringView>
#include <optional>

namespace idem::models {

struct StackTraceSummary
{
    QString exceptionClass; // of the root cause
    QString message; // its message, as written
    QString firstFrame; // its innermost frame, without line numbers: "com.acme.Orders.handle"

    bool operator==(const StackTraceSummary &) const = default;
};

// nullopt when the text does not read as a stack trace.
std::optional<StackTraceSummary> summarizeStackTrace(QStringView trace);

// The error text with what differs between occurrences replaced: uuids by
// <uuid>, 0x-prefixed and long hex runs by <hex>, digit runs by <n>, white space
// collapsed; at most 300 characters.
QString normalizeErrorCause(QStringView cause);

struct FailureGroup
{
    enum class Basis {
        None, // nothing says why the message failed
        StackTrace,
        ErrorCause,
    };

    Basis basis = Basis::None;
    QString key; // equal keys, same group
    QString exceptionClass; // root cause from the trace, else the error class
    QString firstFrame; // StackTrace only
    QString cause; // normalized error text

    // One line for a person: "java.lang.IllegalStateException at com.acme.Orders.handle".
    QString label() const;

    bool operator==(const FailureGroup &) const = default;
};

FailureGroup failureGroupOf(QStringView errorClass, QStringView error, QStringView stackTrace);
FailureGroup failureGroupOf(const DecodedEnvelope &envelope);

} // namespace idem::models
