#pragma once

// Proposing a flow's envelope from a sample of one of its topics: runs an
// EnvelopeDetector (never on this thread), shows that it is busy and lets it
// be cancelled, then shows the proposals best first with their score and
// evidence, and the retry/dead-letter pairing the topic names suggest.
// "Apply" reports the chosen preset, and the pairing when the person ticks
// it; the connections dialog puts them into the flow.

#include "models/config/config.h"
#include "models/envelope/envelopedetector.h"

#include <QDialog>
#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace idem::ui {

// What "Apply to flow" asks for.
struct EnvelopeChoice
{
    QString topic;
    bool deadLetterTopic = false; // the flow's dead-letter topic was sampled
    QString preset;
    bool applyPairing = false;
    QStringList retryTopics; // when applyPairing; may be empty
    QString deadLetterTopicName; // when applyPairing; may be empty
};

class EnvelopeDetectionDialog final : public QDialog
{
    Q_OBJECT

public:

    // `sourceTopics` and `deadLetterTopic` are the flow's; sampling starts at
    // once with `topic`, one of them.
    EnvelopeDetectionDialog(models::EnvelopeDetector *detector, models::KafkaClusterConfig cluster,
                            const QStringList &sourceTopics, const QString &deadLetterTopic,
                            const QString &topic, QWidget *parent = nullptr);
    ~EnvelopeDetectionDialog() override;

    bool isBusy() const { return m_request != 0; }
    // The last answer, when there is one and it is not an error.
    const models::EnvelopeDetection *detection() const;
    QString errorText() const;
    EnvelopeChoice choice() const;

    void detect();
    void cancel();

signals:
    void applied(const idem::ui::EnvelopeChoice &choice);

protected:
    void done(int result) override;

private:
    void finished(const models::EnvelopeDetectionReply &reply);
    void showDetection(const models::EnvelopeDetection &detection);
    void updateProgress();
    void updateApply();
    bool sampledDeadLetterTopic() const;

    QPointer<models::EnvelopeDetector> m_detector;
    models::KafkaClusterConfig m_cluster;
    QString m_deadLetterTopic;
    quint64 m_request = 0;
    std::optional<models::EnvelopeDetectionReply> m_reply;
    QElapsedTimer m_elapsed;
    QTimer m_ticker;

    QComboBox *m_topic = nullptr;
    QPushButton *m_detect = nullptr;
    QProgressBar *m_busy = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_cancel = nullptr;
    QTreeWidget *m_proposals = nullptr;
    QLabel *m_pairing = nullptr;
    QCheckBox *m_usePairing = nullptr;
    QLabel *m_observations = nullptr;
    QPushButton *m_apply = nullptr;
};

} // namespace idem::ui
