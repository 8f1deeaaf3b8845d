#include "connectors/ops/historyservice.h"

#include "connectors/common/requestworker.h"
#include "connectors/ops/metrichistory.h"
#include "connectors/postgres/pgsession.h"

#include <QDateTime>

namespace idem::connectors::ops {

struct HistoryService::Sessions
{
    explicit Sessions(const QString &connection)
        : read(connection, postgres::PgSessionOptions{QStringLiteral("the ops database"), false, 10000})
        , listen(connection, postgres::PgSessionOptions{QStringLiteral("the ops database"), false, 5000})
    {}
    postgres::PgSession read;
    postgres::PgSession listen;
};

HistoryService::HistoryService(const QString &connection, QObject *parent)
    : models::HistorySource(parent)
    , m_worker(std::make_unique<RequestWorker>(QStringLiteral("history")))
    , m_sessions(std::make_shared<Sessions>(connection))
{
    qRegisterMetaType<models::SeriesPoints>();
    qRegisterMetaType<QList<models::AlertRecord>>();
    m_listen.setInterval(1000);
    connect(&m_listen, &QTimer::timeout, this, [this] {
        if (m_listening)
            return; // the previous check is still out
        m_listening = true;
        m_worker->request<bool>(
            [s = m_sessions](const PollControl &control) {
                if (!s->listen.listen(QStringLiteral("idem_alerts"), control).ok())
                    return false;
                auto n = s->listen.waitForNotifications(PollControl::within(std::chrono::milliseconds(20)));
                return n.ok() && !n->isEmpty();
            },
            [this](quint64, Result<bool> changed) {
                m_listening = false;
                if (changed && *changed)
                    emit alertsChanged();
            },
            QDeadlineTimer(std::chrono::seconds(5)));
    });
    m_listen.start();
}

HistoryService::~HistoryService()
{
    m_listen.stop();
    m_worker->hand(std::move(m_sessions));
    m_worker->stop();
    m_worker->finish(QDeadlineTimer(std::chrono::seconds(1)));
}

void HistoryService::loadRecent(qint64 spanMs, const models::SeriesResolution &resolution)
{
    m_worker->request<Result<LoadedHistory>>(
        [s = m_sessions, spanMs, resolution](const PollControl &control) {
            return loadRecentHistory(s->read, control, QDateTime::currentMSecsSinceEpoch(), spanMs, resolution);
        },
        [this](quint64, Result<Result<LoadedHistory>> loaded) {
            if (!loaded)
                emit recentLoaded({}, 0, loaded.error());
            else if (!loaded->ok())
                emit recentLoaded({}, 0, loaded->error());
            else
                emit recentLoaded(loaded->value().series, loaded->value().rows, QString());
        },
        QDeadlineTimer(std::chrono::seconds(30)));
}

void HistoryService::readRange(const QStringList &series, qint64 fromMs, qint64 toMs, int buckets)
{
    m_worker->request<Result<models::SeriesPoints>>(
        [s = m_sessions, series, fromMs, toMs, buckets](const PollControl &control) {
            return ops::readRange(s->read, control, series, fromMs, toMs, buckets);
        },
        [this, series, fromMs, toMs](quint64, Result<Result<models::SeriesPoints>> read) {
            if (!read)
                emit rangeRead(series, fromMs, toMs, {}, read.error());
            else if (!read->ok())
                emit rangeRead(series, fromMs, toMs, {}, read->error());
            else
                emit rangeRead(series, fromMs, toMs, read->value(), QString());
        },
        QDeadlineTimer(std::chrono::seconds(20)));
}

void HistoryService::loadAlerts()
{
    m_worker->request<Result<QList<models::AlertRecord>>>(
        [s = m_sessions](const PollControl &control) { return readAlerts(s->read, control, false); },
        [this](quint64, Result<Result<QList<models::AlertRecord>>> alerts) {
            if (!alerts)
                emit alertsLoaded({}, alerts.error());
            else if (!alerts->ok())
                emit alertsLoaded({}, alerts->error());
            else
                emit alertsLoaded(alerts->value(), QString());
        },
        QDeadlineTimer(std::chrono::seconds(10)));
}

void HistoryService::acknowledge(qint64 alert, const QString &comment)
{
    m_worker->request<Status>(
        [s = m_sessions, alert, comment](const PollControl &control) {
            return acknowledgeAlert(s->read, control, alert, comment);
        },
        [this, alert](quint64, Result<Status> done) {
            emit acknowledged(alert, !done ? done.error() : done->ok() ? QString() : done->error());
        },
        QDeadlineTimer(std::chrono::seconds(10)));
}

} // namespace idem::connectors::ops
