#pragma once

// Reads a flow's dead-letter topic for the Dead letters page and `idemctl
// dlq`: its layout (watermarks), the rows of given offsets decoded through
// the flow's dead-letter envelope, one raw record, and a filter run over the
// whole retained topic as it streams by (never the whole topic in memory).
// Built on the one KafkaReader: assigns partitions itself, never joins a
// group, never commits.
//
// Blocking; one thread at a time (a worker's).

#include "connectors/common/pollcontrol.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/config/config.h"
#include "models/deadletters/deadletterscan.h"
#include "models/deadletters/deadlettersource.h"
#include "models/envelope/presets.h"

#include <algorithm>
#include <functional>
#include <memory>

namespace idem::connectors::kafka {
class KafkaReader;
}

namespace idem::connectors::deadletters {

class DeadLetterReader final
{
public:
    // `cluster`: the flow's cluster, properties expanded.
    DeadLetterReader(kafka::KafkaProperties cluster, models::FlowConfig flow);
    ~DeadLetterReader();
    DeadLetterReader(const DeadLetterReader &) = delete;
    DeadLetterReader &operator=(const DeadLetterReader &) = delete;

    // Builds the reader of `flow` in `env` (its cluster's properties expanded,
    // its envelope checked); an error names what is wrong.
    static Result<std::unique_ptr<DeadLetterReader>> forFlow(const models::EnvironmentConfig &env,
                                                              const QString &flow);

    const models::FlowConfig &flow() const { return m_flow; }
    // Empty when the envelope is usable; else why every row has a problem.
    QString envelopeProblem() const { return m_envelopeProblem; }

    models::DeadLetterLayout layout(const PollControl &control);
    // The rows of `refs` (any order, any partitions), in the order asked;
    // refs no longer retained are missing. *error says what was not read.
    QList<models::DeadLetterRow> rows(const QList<models::DeadLetterRef> &refs, const PollControl &control,
                                      QString *error = nullptr);
    models::DeadLetterRecord record(const models::DeadLetterRef &ref, const PollControl &control);
    // Reads every retained dead letter in one pass over all partitions,
    // keeping only the matches; `progress(read, total, matched)` every
    // progressEvery() records and at the end. Without a
    // filter it counts the failure groups of all of them; with one it keeps
    // the matches (and leaves the failure groups empty).
    models::DeadLetterScan scan(const models::DeadLetterFilter &filter, const PollControl &control,
                                const std::function<void(qint64, qint64, qint64)> &progress = {});

    models::DeadLetterRow decode(const models::RawMessage &message) const;
    const models::EnvelopeSpec &spec() const { return m_spec; }
    void setProgressEvery(qint64 records) { m_progressEvery = std::max<qint64>(1, records); }
    // Whether filter runs skip, undecoded, the records whose bytes prove them
    // no match (DeadLetterPrefilter; on by default). Off: every record is
    // decoded, the answer is the same.
    void setPrefilter(bool on) { m_prefilter = on; }

private:
    models::FlowConfig m_flow;
    models::EnvelopeSpec m_spec;
    QString m_envelopeProblem;
    qint64 m_progressEvery = 20000;
    bool m_prefilter = true;
    std::unique_ptr<kafka::KafkaReader> m_reader; // pages and records: small fetches
    std::unique_ptr<kafka::KafkaReader> m_scanReader; // filter runs: the reader's deep prefetch
};

} // namespace idem::connectors::deadletters
