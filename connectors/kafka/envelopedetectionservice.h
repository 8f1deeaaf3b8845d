#pragma once

// Proposing a topic's envelope from a sample of its newest messages: the one
// code path behind `idemctl envelope detect` (detectTopicEnvelope, called
// directly) and the connections dialog's "Detect envelope…" (the service,
// which runs it on its own worker thread).

#include "connectors/common/requestworker.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "models/envelope/envelopedetector.h"

#include <atomic>
#include <chrono>
#include <memory>

namespace idem::connectors::kafka {

// Samples up to `samples` messages of `topic` (see sampleTopic) with
// librdkafka properties already expanded, and proposes the envelope that
// reads them with the evidence and the pairing of the cluster's topic names.
Result<models::EnvelopeDetection>
detectTopicEnvelope(const KafkaProperties &properties, const QString &topic, int samples,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10),
                    const std::atomic_bool *cancelled = nullptr);

// Runs detections one after another on a worker thread it owns (a
// RequestWorker), and reports each on the thread it lives in. Expands the
// cluster's ${NAME} references from the process environment on the worker,
// at the moment it connects. Destroying it cancels what is queued and waits
// at most RequestWorker::defaultShutdownWait for the running sample to notice;
// a sample that does not is left to end on its own.
class EnvelopeDetectionService final : public models::EnvelopeDetector
{
    Q_OBJECT

public:
    explicit EnvelopeDetectionService(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                      QObject *parent = nullptr);
    ~EnvelopeDetectionService() override;

    quint64 detect(const models::KafkaClusterConfig &cluster, const QString &topic,
                   int samples = 50) override;
    void cancel(quint64 request) override;

private:
    void deliver(const models::EnvelopeDetectionReply &reply);

    std::chrono::milliseconds m_timeout;
    RequestWorker m_worker;
};

} // namespace idem::connectors::kafka
