#pragma once

// The recorder: whichever console or `idemctl watch` holds the ops
// database's recorder lease writes every poll's figures to the shared
// history (idem.metric_point) and records the alerts its rules fire and
// resolve (idem.alert). Every contender takes each poll's snapshot values
// (never UI objects), keeps its own figures and alert rules warm, and tries
// the lease every poll, so when the holder goes away another takes over on
// its next poll, with no gap in the history longer than two intervals.
//
// HistoryRecorder is the blocking core (one worker thread); MetricRecorder
// runs it on its own RequestWorker for the console and idemctl watch.

#include "connectors/common/pollcontrol.h"
#include "connectors/ops/metrichistory.h"
#include "models/alerts/alertrules.h"
#include "models/config/config.h"
#include "models/metrics/flowmetrics.h"
#include "models/metrics/lagsnapshot.h"
#include "models/metrics/storefigures.h"

#include <QObject>

#include <chrono>
#include <memory>

namespace idem::connectors {
class RequestWorker;
}

namespace idem::connectors::ops {

class OpsLease;

struct RecorderOptions
{
    QString holderName;                                     // in idem.lease; default: "<program> on <host> (pid N)"
    std::chrono::milliseconds figuresWindow{std::chrono::minutes(5)}; // the figures' window, as the console's
    std::chrono::milliseconds maintenanceEvery{std::chrono::minutes(10)}; // partitions checked this often
    int statementTimeoutMs = 5000;
};

struct RecordOutcome
{
    bool held = false;      // this recorder holds the lease after this poll
    bool tookOver = false;  // and did not before it
    int written = 0;        // points written
    AlertChanges alerts;
    qint64 writeUs = 0;     // the write's transaction, lease check included
    QString error;          // empty when all went well
};

class HistoryRecorder final
{
public:
    HistoryRecorder(const models::EnvironmentConfig &environment, RecorderOptions options);
    ~HistoryRecorder();
    HistoryRecorder(const HistoryRecorder &) = delete;
    HistoryRecorder &operator=(const HistoryRecorder &) = delete;

    // A cluster's poll: renews or takes the lease, then (when held) writes
    // its points and records the alert rules' verdicts.
    RecordOutcome recordSnapshot(const models::LagSnapshot &snapshot, const PollControl &control);
    // A store's figures: written when the lease is held (checked in the write).
    RecordOutcome recordStore(const models::StoreFigures &figures, const PollControl &control);
    bool held() const;
    // Gives the lease up now (another contender takes it on its next poll).
    void release(const PollControl &control);

private:
    RecordOutcome write(const QList<models::MetricPoint> &points, qint64 nowMs, bool evaluate,
                        const PollControl &control);

    int m_keepDays;
    RecorderOptions m_options;
    std::unique_ptr<OpsLease> m_lease;
    models::MetricsTracker m_tracker;
    models::AlertEvaluator m_alerts;
    bool m_wasHeld = false;
    qint64 m_maintainedAt = 0;  // ms since the epoch; 0: not since holding
    qint64 m_baselineHour = -1; // the hour (since the epoch) the baselines were read for
};

class MetricRecorder final : public QObject
{
    Q_OBJECT

public:
    MetricRecorder(const models::EnvironmentConfig &environment, RecorderOptions options, QObject *parent = nullptr);
    ~MetricRecorder() override;

    void recordSnapshot(const idem::models::LagSnapshot &snapshot);
    void recordStore(const idem::models::StoreFigures &figures);
    bool held() const { return m_held; }

signals:
    // The lease was taken or lost: "recording the team's history" or why not.
    void leaseChanged(bool held, const QString &text);
    void recorded(const idem::connectors::ops::RecordOutcome &outcome);

private:
    void apply(const RecordOutcome &outcome);

    std::unique_ptr<RequestWorker> m_worker;
    std::shared_ptr<HistoryRecorder> m_core;
    int m_pending = 0;
    bool m_held = false;
    QString m_lastError;
};

} // namespace idem::connectors::ops

Q_DECLARE_METATYPE(idem::connectors::ops::RecordOutcome)
