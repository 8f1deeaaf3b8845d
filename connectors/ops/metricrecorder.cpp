#include "connectors/ops/metricrecorder.h"

#include "connectors/common/logging.h"
#include "connectors/common/requestworker.h"
#include "connectors/ops/opslease.h"

#include <QDateTime>
#include <QElapsedTimer>

#include <pqxx/pqxx>

namespace idem::connectors::ops {

HistoryRecorder::HistoryRecorder(const models::EnvironmentConfig &environment, RecorderOptions options)
    : m_keepDays(environment.ops ? environment.ops->historyDays : 30)
    , m_options(std::move(options))
    , m_tracker(m_options.figuresWindow)
{
    if (m_options.holderName.isEmpty())
        m_options.holderName = defaultLeaseHolderName(QStringLiteral("idem"));
    m_lease = std::make_unique<OpsLease>(environment.ops ? environment.ops->connection : QString(),
                                         LeaseDuty::Recorder, m_options.holderName, m_options.statementTimeoutMs);
    m_alerts.setFlows(models::alertFlows(environment));
}

HistoryRecorder::~HistoryRecorder() = default;

bool HistoryRecorder::held() const
{
    return m_lease->held();
}

void HistoryRecorder::release(const PollControl &control)
{
    (void)m_lease->release(control);
    m_wasHeld = false;
}

RecordOutcome HistoryRecorder::recordSnapshot(const models::LagSnapshot &snapshot, const PollControl &control)
{
    m_tracker.add(snapshot);
    const QList<models::MetricPoint> points = models::pollPoints(snapshot, m_tracker.figures());
    m_alerts.add(points);
    RecordOutcome outcome;
    auto held = m_lease->acquireOrRenew(control);
    if (!held.ok()) {
        outcome.error = held.error();
        m_wasHeld = false;
        return outcome;
    }
    if (!*held) {
        m_wasHeld = false;
        return outcome;
    }
    outcome = write(points, snapshot.takenAt.toMSecsSinceEpoch(), true, control);
    return outcome;
}

RecordOutcome HistoryRecorder::recordStore(const models::StoreFigures &figures, const PollControl &control)
{
    const QList<models::MetricPoint> points = models::storePoints(figures);
    m_alerts.add(points);
    if (!m_lease->held())
        return {};
    return write(points, figures.takenAt.toMSecsSinceEpoch(), false, control);
}

RecordOutcome HistoryRecorder::write(const QList<models::MetricPoint> &points, qint64 nowMs, bool evaluate,
                                     const PollControl &control)
{
    RecordOutcome outcome;
    outcome.tookOver = !m_wasHeld;
    const qint64 wall = QDateTime::currentMSecsSinceEpoch();
    const bool maintain = m_maintainedAt == 0 || wall - m_maintainedAt >= m_options.maintenanceEvery.count();
    const qint64 hour = nowMs / 3600000;
    const bool baselines = evaluate && hour != m_baselineHour;
    const QList<models::AlertVerdict> verdicts = evaluate ? m_alerts.evaluate(nowMs) : QList<models::AlertVerdict>{};
    QHash<QString, double> read;
    QElapsedTimer timer;
    timer.start();
    // A poll is one statement (idem.record_poll checks the lease itself), but
    // for the partitions' upkeep and the hourly baselines, after a check of
    // the lease (the partitions' function refuses a session without it).
    Status ran = m_lease->writeSelfChecked(control, [&](pqxx::transaction_base &tx) {
        if (maintain || baselines) {
            if (!tx.exec("SELECT idem.holds_lease('recorder')")[0][0].as<bool>())
                return false;
            if (maintain)
                maintainPartitions(tx, m_keepDays);
        }
        const PollWrite wrote = recordPoll(tx, points, evaluate ? &verdicts : nullptr);
        if (!wrote.held)
            return false;
        outcome.written = wrote.written;
        outcome.alerts = wrote.alerts;
        if (baselines)
            read = sameHourBaselines(tx, m_alerts.risingSeries(), nowMs);
        return true;
    });
    outcome.writeUs = timer.nsecsElapsed() / 1000;
    if (!ran.ok()) {
        outcome = {};
        outcome.error = ran.error();
        m_wasHeld = false;
        return outcome;
    }
    if (maintain)
        m_maintainedAt = wall;
    if (baselines) {
        m_baselineHour = hour;
        for (const QString &series : m_alerts.risingSeries())
            m_alerts.setBaseline(series, read.value(series, qQNaN()));
    }
    outcome.held = true;
    m_wasHeld = true;
    return outcome;
}

MetricRecorder::MetricRecorder(const models::EnvironmentConfig &environment, RecorderOptions options, QObject *parent)
    : QObject(parent)
    , m_worker(std::make_unique<RequestWorker>(QStringLiteral("recorder")))
    , m_core(std::make_shared<HistoryRecorder>(environment, std::move(options)))
{
    qRegisterMetaType<RecordOutcome>();
}

MetricRecorder::~MetricRecorder()
{
    // The lease is given up on the worker, after what it was asked to do.
    std::shared_ptr<HistoryRecorder> core = std::move(m_core);
    m_worker->request<bool>(
        [core](const PollControl &control) {
            core->release(control);
            return true;
        },
        [](quint64, Result<bool>) {}, QDeadlineTimer(std::chrono::seconds(1)));
    m_worker->hand(std::move(core));
    m_worker->stop();
    m_worker->finish(QDeadlineTimer(std::chrono::seconds(2)));
}

void MetricRecorder::recordSnapshot(const models::LagSnapshot &snapshot)
{
    if (m_pending > 8)
        return; // the database is slower than the polls: skip rather than pile up
    ++m_pending;
    m_worker->request<RecordOutcome>(
        [core = m_core, snapshot](const PollControl &control) { return core->recordSnapshot(snapshot, control); },
        [this](quint64, Result<RecordOutcome> outcome) {
            --m_pending;
            apply(outcome ? outcome.value() : RecordOutcome{false, false, 0, {}, 0, outcome.error()});
        },
        QDeadlineTimer(std::chrono::seconds(10)));
}

void MetricRecorder::recordStore(const models::StoreFigures &figures)
{
    if (m_pending > 8)
        return;
    ++m_pending;
    m_worker->request<RecordOutcome>(
        [core = m_core, figures](const PollControl &control) { return core->recordStore(figures, control); },
        [this](quint64, Result<RecordOutcome> outcome) {
            --m_pending;
            if (outcome && !outcome->held && outcome->error.isEmpty())
                return; // not holding: nothing happened
            apply(outcome ? outcome.value() : RecordOutcome{false, false, 0, {}, 0, outcome.error()});
        },
        QDeadlineTimer(std::chrono::seconds(10)));
}

void MetricRecorder::apply(const RecordOutcome &outcome)
{
    if (outcome.held != m_held || outcome.error != m_lastError) {
        m_held = outcome.held;
        m_lastError = outcome.error;
        QString text = outcome.held ? tr("recording the team's history and alerts")
                                    : tr("another console or idemctl watch records the history");
        if (!outcome.error.isEmpty())
            text = tr("not recording: %1").arg(outcome.error);
        logger("ops")->info("recorder: {}", text.toStdString());
        emit leaseChanged(m_held, text);
    }
    emit recorded(outcome);
}

} // namespace idem::connectors::ops
