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

models::EnvelopeDetectionReply runDetection(quint64 request, const models::KafkaClusterConfig &cluster,
                                            const QString &topic, int samples,
                                            std::chrono::milliseconds timeout,
                                            const std::atomic_bool *cancelled)
{
    models::EnvelopeDetectionReply reply;
    reply.request = request;
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
    , m_worker(new QObject)
    , m_timeout(timeout)
{
    qRegisterMetaType<models::EnvelopeDetectionReply>();
    m_thread.setObjectName(QStringLiteral("envelope-detection"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

EnvelopeDetectionService::~EnvelopeDetectionService()
{
    for (const auto &flag : std::as_const(m_pending))
        flag->store(true);
    m_thread.quit();
    m_thread.wait();
}

quint64 EnvelopeDetectionService::detect(const models::KafkaClusterConfig &cluster,
                                         const QString &topic, int samples)
{
    const quint64 request = ++m_lastRequest;
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    m_pending.insert(request, cancelled);
    logger("kafka")->info("envelope detection {}: sampling {} messages of topic {} on cluster {}",
                          request, samples, topic.toStdString(), cluster.name.toStdString());
    QMetaObject::invokeMethod(
        m_worker,
        [this, request, cluster, topic, samples, timeout = m_timeout, cancelled] {
            if (cancelled->load())
                return;
            const models::EnvelopeDetectionReply reply
                = runDetection(request, cluster, topic, samples, timeout, cancelled.get());
            // Posted to the service: dropped with it if it is already gone.
            QMetaObject::invokeMethod(this, [this, reply] { deliver(reply); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
    return request;
}

void EnvelopeDetectionService::cancel(quint64 request)
{
    if (const auto flag = m_pending.take(request)) {
        flag->store(true);
        logger("kafka")->info("envelope detection {} cancelled", request);
    }
}

void EnvelopeDetectionService::deliver(const models::EnvelopeDetectionReply &reply)
{
    if (!m_pending.remove(reply.request))
        return; // cancelled while it ran
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
