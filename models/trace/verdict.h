#pragma once

// The verdict of a trace: one plain sentence or three saying where the event
// is and what to look at, chosen by the first rule of a table that applies
// (verdict.cpp, in order). Codes are stable for scripts:
//
//   not_found               no copy on any topic read and no store row
//   fails_everywhere        every consumer failed it, none processed it
//   fails_in_one_consumer   some consumers processed it, others failed it
//   failed                  its only consumer failed it
//   lost_by_consumer        a group committed past a copy but its store has no row
//   delivered_twice         two or more copies, each consumer processed it once
//   redelivered             one copy, delivered again to a consumer that skipped it
//   retrying                a consumer failed it and a retry is still to come
//   store_only              recorded by a store, no copy found on the topics read
//   processed               every consumer processed it
//   in_flight               produced, some consumer has not reached it yet
//   incomplete              found, but not every store could be checked
//
// Where a store could not be checked or logical duplicates were found, the
// text says so after the sentence; the code stays that of the rule.

#include "models/trace/trace.h"

namespace idem::models {

Verdict traceVerdict(const TraceResult &result);

// The codes in rule order (for tests and documentation).
QStringList verdictCodes();

} // namespace idem::models
