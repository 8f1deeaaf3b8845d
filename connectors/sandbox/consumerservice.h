#pragma once

// One consumer service of the sandbox world: a real consumer group that
// processes its flow idempotently into its own PostgreSQL database.
//
// Each delivery is handled in ONE transaction: look the event up in the
// processed-events registry, apply the business change (state is set, never
// added again), record the event and the attempt. A failure re-publishes the
// event to the next retry topic with attempt+1 (consumed only after that
// topic's delay, by pausing the partition until the message is due), and after
// the last retry to the dead-letter topic with the failure's headers. The
// offset is committed after the transaction; the redelivery fault "crashes"
// between the two, so the next incarnation sees the same events again.

#include "connectors/sandbox/storedialect.h"
#include "connectors/sandbox/worldstate.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <thread>

namespace idem::connectors::sandbox {

enum class ServiceKind { Billing, Shipping, Ledger };

struct ServiceSpec
{
    QString name; // also the consumer group id
    ServiceKind kind = ServiceKind::Billing;
    QString flow;
    QString sourceTopic;
    QStringList retryTopics;
    QString deadLetterTopic;
    StoreDialect dialect;
    QString database;
    QString connection; // libpq connection string with the service's own rights
};

class ConsumerService final
{
public:
    ConsumerService(ServiceSpec spec, const SandboxOptions &options, QString bootstrapServers,
                    WorldCounters &counters, const FaultSchedule &faults);
    ~ConsumerService();

    const ServiceSpec &spec() const { return m_spec; }

    void start();
    void stop();

    // Asks the service to report whether it has consumed everything there is
    // (checked between deliveries, about twice a second).
    void setWatchCaughtUp(bool watch) { m_watchCaughtUp = watch; }
    bool caughtUp() const { return m_caughtUp; }

    // Business tables of a service kind (created next to the registry).
    static QString businessTablesSql(ServiceKind kind);

private:
    void run();

    ServiceSpec m_spec;
    SandboxOptions m_options;
    QString m_bootstrap;
    WorldCounters &m_counters;
    const FaultSchedule &m_faults;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_watchCaughtUp{false};
    std::atomic<bool> m_caughtUp{false};
    std::thread m_thread;
};

} // namespace idem::connectors::sandbox
