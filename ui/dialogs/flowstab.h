#pragma once

// The connections dialog's "Flows" tab: the environment's flows beside the
// editor of the selected one: its cluster, source, retry and dead-letter
// topics, consumer groups with their stores, envelopes (with "Detect
// envelope…" where a detector is given) and thresholds. Internal to
// ui/dialogs/.

#include "models/config/config.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTableWidget;

namespace idem::models {
class EnvelopeDetector;
}

namespace idem::ui {
struct EnvelopeChoice;
}

namespace idem::ui::connections_detail {

class EnvelopeEditor;

class FlowsTab final : public QWidget
{
    Q_OBJECT

public:
    // Edits `env`'s flows in place; `env` must outlive the tab. `detector`
    // (not owned) enables "Detect envelope…".
    FlowsTab(models::EnvironmentConfig *env, models::EnvelopeDetector *detector, QWidget *parent);
    ~FlowsTab() override;

    // Lists the environment's flows afresh and selects the first.
    void populate();
    // Shows the selected flow again: its clusters' and stores' choices may have changed.
    void reload();
    // Takes the name being typed, as if its field was left.
    void commitName();

signals:
    void edited();
    // Before sampling a topic: every name being typed is to be taken first.
    void aboutToDetect();

private:
    void load(int row);
    void rename(const QString &name);
    void readGroups();
    void readThresholds();
    void updateDetectButtons();
    void detectEnvelope(bool deadLetter);
    void applyDetection(const QString &flow, const EnvelopeChoice &choice);

    models::EnvironmentConfig *m_env;
    models::EnvelopeDetector *m_detector;
    bool m_loading = false;
    QListWidget *m_list = nullptr;
    QWidget *m_editor = nullptr;
    QLineEdit *m_name = nullptr;
    QComboBox *m_cluster = nullptr;
    QLineEdit *m_topics = nullptr;
    QLineEdit *m_retryTopics = nullptr;
    QLineEdit *m_deadLetterTopic = nullptr;
    QPushButton *m_detectSource = nullptr;
    QPushButton *m_detectDeadLetter = nullptr;
    QLabel *m_note = nullptr;
    QTableWidget *m_groups = nullptr;
    EnvelopeEditor *m_envelope = nullptr;
    EnvelopeEditor *m_deadLetterEnvelope = nullptr;
    QHash<QString, QLineEdit *> m_thresholds;
};

} // namespace idem::ui::connections_detail
