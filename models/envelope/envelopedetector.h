#pragma once

// What the connections dialog needs to propose a flow's envelope: something
// that samples a topic of a Kafka cluster and runs detectEnvelope on what it
// read. connectors/kafka/envelopedetectionservice.h implements it on a worker
// thread; tests use fakes. The dialog never waits: detect() returns at once
// and the answer arrives as finished().

#include "models/config/config.h"
#include "models/envelope/detection.h"

#include <QMetaType>
#include <QObject>
#include <QString>

namespace idem::models {

struct EnvelopeDetectionReply
{
    quint64 request = 0; // as returned by EnvelopeDetector::detect()
    QString cluster;
    QString topic;
    EnvelopeDetection detection; // meaningful when error is empty
    QString error; // for a person: what could not be read and why

    bool ok() const { return error.isEmpty(); }
};

class EnvelopeDetector : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Starts sampling up to `samples` of the newest messages of `topic` on
    // `cluster` (its properties as written, ${NAME} references unexpanded:
    // they are expanded when the client is made). Returns the request's id,
    // never 0; finished() reports it exactly once unless it is cancelled.
    virtual quint64 detect(const KafkaClusterConfig &cluster, const QString &topic,
                           int samples = 50)
        = 0;

    // The request's answer is not reported; work in progress stops at its
    // next check. Unknown or finished requests are ignored.
    virtual void cancel(quint64 request) = 0;

signals:
    // Emitted on the thread the detector lives in.
    void finished(const idem::models::EnvelopeDetectionReply &reply);
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::EnvelopeDetectionReply)
