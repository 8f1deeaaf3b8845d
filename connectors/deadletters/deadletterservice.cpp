#include "connectors/deadletters/deadletterservice.h"

#include "connectors/common/requestworker.h"
#include "connectors/deadletters/deadletterreader.h"
#include "connectors/deadletters/processedlookup.h"

#include <QPointer>

namespace idem::connectors::deadletters {

// Readers and lookups of one worker thread, by flow.
struct DeadLetterService::State
{
    models::EnvironmentConfig env;
    QHash<QString, std::shared_ptr<DeadLetterReader>> readers;
    QHash<QString, QString> readerErrors;
    QHash<QString, std::shared_ptr<ProcessedLookup>> lookups;

    DeadLetterReader *reader(const QString &flow, QString *error)
    {
        if (auto r = readers.value(flow))
            return r.get();
        auto made = DeadLetterReader::forFlow(env, flow);
        if (!made) {
            *error = made.error();
            return nullptr;
        }
        std::shared_ptr<DeadLetterReader> shared(std::move(made.value()));
        readers.insert(flow, shared);
        return shared.get();
    }

    ProcessedLookup &lookup(const QString &flow)
    {
        auto &l = lookups[flow];
        if (!l)
            l = std::make_shared<ProcessedLookup>(env, flow);
        return *l;
    }
};

namespace {

void registerTypes()
{
    qRegisterMetaType<models::DeadLetterLayout>();
    qRegisterMetaType<models::DeadLetterScan>();
    qRegisterMetaType<models::DeadLetterRecord>();
    qRegisterMetaType<models::DeadLetterRow>();
    qRegisterMetaType<models::DeadLetterRef>();
}

} // namespace

DeadLetterService::DeadLetterService(models::EnvironmentConfig env, QObject *parent)
    : DeadLetterService(std::move(env), Timeouts{}, parent)
{
}

DeadLetterService::DeadLetterService(models::EnvironmentConfig env, Timeouts timeouts, QObject *parent)
    : models::DeadLetterSource(parent)
    , m_env(std::move(env))
    , m_timeouts(timeouts)
{
    registerTypes();
    m_kafkaState = std::make_shared<State>(State{m_env, {}, {}, {}});
    m_scanState = std::make_shared<State>(State{m_env, {}, {}, {}});
    m_storeState = std::make_shared<State>(State{m_env, {}, {}, {}});
    m_kafka = new RequestWorker(QStringLiteral("deadletters"), this);
    m_scan = new RequestWorker(QStringLiteral("deadletter-scan"), this);
    m_stores = new RequestWorker(QStringLiteral("deadletter-stores"), this);
}

DeadLetterService::~DeadLetterService()
{
    // Clients close on their own threads, after the work asked of them.
    m_kafka->hand(std::move(m_kafkaState));
    m_scan->hand(std::move(m_scanState));
    m_stores->hand(std::move(m_storeState));
}

QStringList DeadLetterService::flows() const
{
    QStringList names;
    for (const auto &f : m_env.flows) {
        if (!f.deadLetterTopic.isEmpty())
            names << f.name;
    }
    return names;
}

void DeadLetterService::cancel(quint64 ticket)
{
    const auto it = m_requests.find(ticket);
    if (it == m_requests.end())
        return;
    it->first->cancel(it->second);
    m_requests.erase(it);
}

quint64 DeadLetterService::requestLayout(const QString &flow)
{
    const quint64 ticket = ++m_lastTicket;
    auto state = m_kafkaState;
    const quint64 id = m_kafka->request<models::DeadLetterLayout>(
        [state, flow](const PollControl &control) {
            QString error;
            DeadLetterReader *reader = state->reader(flow, &error);
            if (!reader)
                return models::DeadLetterLayout{flow, {}, {}, error};
            return reader->layout(control);
        },
        [this, ticket, flow](quint64, Result<models::DeadLetterLayout> reply) {
            m_requests.remove(ticket);
            emit layoutReady(ticket, reply ? reply.value() : models::DeadLetterLayout{flow, {}, {}, reply.error()});
        },
        QDeadlineTimer(m_timeouts.page));
    m_requests.insert(ticket, {m_kafka, id});
    return ticket;
}

quint64 DeadLetterService::requestRows(const QString &flow, const QList<models::DeadLetterRef> &refs)
{
    const quint64 ticket = ++m_lastTicket;
    auto state = m_kafkaState;
    struct Rows
    {
        QList<models::DeadLetterRow> rows;
        QString error;
    };
    const quint64 id = m_kafka->request<Rows>(
        [state, flow, refs](const PollControl &control) {
            Rows out;
            DeadLetterReader *reader = state->reader(flow, &out.error);
            if (reader)
                out.rows = reader->rows(refs, control, &out.error);
            return out;
        },
        [this, ticket](quint64, Result<Rows> reply) {
            m_requests.remove(ticket);
            if (reply)
                emit rowsReady(ticket, reply->rows, reply->error);
            else
                emit rowsReady(ticket, {}, reply.error());
        },
        QDeadlineTimer(m_timeouts.page));
    m_requests.insert(ticket, {m_kafka, id});
    return ticket;
}

quint64 DeadLetterService::requestProcessed(const QString &flow, const QHash<QString, QString> &events)
{
    const quint64 ticket = ++m_lastTicket;
    auto state = m_storeState;
    using States = QHash<QString, models::ProcessedState>;
    const quint64 id = m_stores->request<States>(
        [state, flow, events](const PollControl &control) { return state->lookup(flow).lookup(events, control); },
        [this, ticket, events](quint64, Result<States> reply) {
            m_requests.remove(ticket);
            if (reply) {
                emit processedReady(ticket, reply.value());
                return;
            }
            States unknown;
            for (auto it = events.cbegin(); it != events.cend(); ++it) {
                models::ProcessedState s;
                s.kind = models::ProcessedState::Kind::Unknown;
                s.downStores << reply.error();
                unknown.insert(it.key(), s);
            }
            emit processedReady(ticket, unknown);
        },
        QDeadlineTimer(m_timeouts.stores));
    m_requests.insert(ticket, {m_stores, id});
    return ticket;
}

quint64 DeadLetterService::requestRecord(const QString &flow, const models::DeadLetterRef &ref)
{
    const quint64 ticket = ++m_lastTicket;
    auto state = m_kafkaState;
    const quint64 id = m_kafka->request<models::DeadLetterRecord>(
        [state, flow, ref](const PollControl &control) {
            QString error;
            DeadLetterReader *reader = state->reader(flow, &error);
            if (!reader)
                return models::DeadLetterRecord{ref, std::nullopt, error, {}, {}};
            return reader->record(ref, control);
        },
        [this, ticket, ref](quint64, Result<models::DeadLetterRecord> reply) {
            m_requests.remove(ticket);
            emit recordReady(ticket, reply ? reply.value() : models::DeadLetterRecord{ref, std::nullopt, reply.error(), {}, {}});
        },
        QDeadlineTimer(m_timeouts.record));
    m_requests.insert(ticket, {m_kafka, id});
    return ticket;
}

quint64 DeadLetterService::requestScan(const QString &flow, const models::DeadLetterFilter &filter)
{
    const quint64 ticket = ++m_lastTicket;
    auto state = m_scanState;
    QPointer<DeadLetterService> self(this);
    const quint64 id = m_scan->request<models::DeadLetterScan>(
        [state, flow, filter, self, ticket](const PollControl &control) {
            QString error;
            DeadLetterReader *reader = state->reader(flow, &error);
            if (!reader) {
                models::DeadLetterScan scan;
                scan.flow = flow;
                scan.filter = filter;
                scan.error = error;
                return scan;
            }
            return reader->scan(filter, control, [&](qint64 read, qint64 total, qint64 matched) {
                if (control.shouldStop())
                    return;
                // Progress crosses to the asking thread as values.
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, ticket, read, total, matched] {
                        if (self && self->m_requests.contains(ticket))
                            emit self->scanProgress(ticket, read, total, matched);
                    },
                    Qt::QueuedConnection);
            });
        },
        [this, ticket](quint64, Result<models::DeadLetterScan> reply) {
            m_requests.remove(ticket);
            if (reply) {
                emit scanFinished(ticket, reply.value());
                return;
            }
            models::DeadLetterScan failed;
            failed.error = reply.error();
            emit scanFinished(ticket, failed);
        });
    m_requests.insert(ticket, {m_scan, id});
    return ticket;
}

} // namespace idem::connectors::deadletters
