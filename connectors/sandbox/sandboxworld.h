#pragma once

// The sandbox: a complete small event-driven world on this machine.
//
// A mock Kafka cluster (3 brokers, real protocol on loopback), a throwaway
// PostgreSQL holding one database per consumer service plus the ops database
// with demo people, the producers, the consumer services with retries and
// dead letters, and the fault schedule. start() brings it all up and writes an
// Idem config file describing it; the owner then calls tick() a few times a
// second until it wants to stop.

#include "connectors/sandbox/sandboxoptions.h"
#include "models/core/result.h"

#include <QJsonObject>
#include <QString>

#include <chrono>
#include <memory>

namespace idem::connectors::sandbox {

class SandboxWorld final
{
public:
    enum class Phase { Starting, Running, Draining, Still };

    explicit SandboxWorld(SandboxOptions options);
    ~SandboxWorld();
    SandboxWorld(const SandboxWorld &) = delete;
    SandboxWorld &operator=(const SandboxWorld &) = delete;

    Status start();

    QString directory() const;
    QString configPath() const;
    QString pgpassPath() const;
    QString bootstrapServers() const;
    // Superuser connection string of one of the world's databases (for tests).
    QString adminConnection(const QString &database) const;
    Phase phase() const;

    // Drives the fault schedule and --duration: after it, production stops,
    // the consumers finish what is in flight (retries included, bounded by
    // twice the retry delays plus 30 s), then everything holds still.
    void tick();

    // Stops producing and consuming; brokers and databases stay up.
    void stopServices();

    // What the sandbox observed: produced, processed per service,
    // duplicates_skipped, retries, dead_lettered.
    QJsonObject summary() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

QString phaseName(SandboxWorld::Phase phase);

} // namespace idem::connectors::sandbox
