#include "connectors/kafka/envelopedetectionservice.h"

#include "connectors/common/logging.h"
#include "connectors/kafka/topicsampler.h"

namespace idem::connectors::kafka {

Result<models::EnvelopeDetection> detectTopicEnvelope(const KafkaProperties &properties,
                                                      const QString &topic, int samples,
                                                      std::chrono::milliseconds timeout,
                                                      const std::atomic_bool *cancelled)
{
    auto sample = sampleTopic(properties, topic, samples, timeout, cancelled);
    if (!sample)
        return makeError(sample.error());
    return models::detectEnvelope(topic, sample->messages, sample->topicNames);
}

namespace {

// The reply gets its request id where it arrives.
models::EnvelopeDetectionReply runDetection(const models::KafkaClusterConfig &cluster,
                                            const QString &topic, int samples,
                                            std::chrono::milliseconds timeout,
                                            const std::atomic_bool *cancelled)
{
    models::EnvelopeDetectionReply reply;
    reply.cluster = cluster.name;
    reply.topic = topic;
    auto properties = clusterProperties(cluster);
    if (!properties) {
        reply.error = QStringLiteral("cluster %1, %2").arg(cluster.name, properties.error());
        return reply;
    }
    auto detection = detectTopicEnvelope(*properties, topic, samples, timeout, cancelled);
    if (detection)
        reply.detection = std::move(detection.value());
    else
        reply.error = detection.error();
    return reply;
}

} // namespace

EnvelopeDetectionService::EnvelopeDetectionService(std::chrono::milliseconds timeout, QObject *parent)
    : models::EnvelopeDetector(parent)
    , m_timeout(timeout)
    , m_worker(QStringLiteral("envelope-detection"))
{
    qRegisterMetaType<models::EnvelopeDetectionReply>();
}

EnvelopeDetectionService::~EnvelopeDetectionService() = default;

quint64 EnvelopeDetectionService::detect(const models::KafkaClusterConfig &cluster,
                                         const QString &topic, int samples)
{
    // The reply gets its id where it arrives (the work may start before
    // request() returns it).
    const quint64 request = m_worker.request<models::EnvelopeDetectionReply>(
        [cluster, topic, samples, timeout = m_timeout](const PollControl &control) {
            return runDetection(cluster, topic, samples, timeout, control.cancelled);
        },
        [this, cluster, topic](quint64 request, Result<models::EnvelopeDetectionReply> reply) {
            if (reply) {
                reply->request = request;
                deliver(reply.value());
                return;
            }
            models::EnvelopeDetectionReply failed; // the work threw: an error reply
            failed.request = request;
            failed.cluster = cluster.name;
            failed.topic = topic;
            failed.error = reply.error();
            deliver(failed);
        });
    logger("kafka")->info("envelope detection {}: sampling {} messages of topic {} on cluster {}",
                          request, samples, topic.toStdString(), cluster.name.toStdString());
    return request;
}

void EnvelopeDetectionService::cancel(quint64 request)
{
    if (m_worker.cancel(request))
        logger("kafka")->info("envelope detection {} cancelled", request);
}

void EnvelopeDetectionService::deliver(const models::EnvelopeDetectionReply &reply)
{
    if (reply.ok()) {
        logger("kafka")->info("envelope detection {}: {} messages of {} sampled, best preset {}",
                              reply.request, reply.detection.sampled, reply.topic.toStdString(),
                              reply.detection.proposals.isEmpty()
                                  ? std::string("none")
                                  : reply.detection.proposals.first().preset.toStdString());
    } else {
        logger("kafka")->warn("envelope detection {} of topic {} on cluster {}: {}", reply.request,
                              reply.topic.toStdString(), reply.cluster.toStdString(),
                              reply.error.toStdString());
    }
    emit finished(reply);
}

} // namespace idem::connectors::kafka
