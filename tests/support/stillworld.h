#pragma once

// Test support: a sandbox world that ran for a while with quick retries and
// then holds still (producers and consumers stopped, brokers and databases
// up), so a test can compare what Idem reports with an independent read.
// Header only: tests linking idem_sandbox and Qt Test include it.

#include "connectors/sandbox/sandboxworld.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include <memory>

namespace idem::testsupport {

// Runs a world in `dir` for `duration` at 120 events a second with retries
// after 0.2, 0.3 and 0.5 s and the given faults, and waits until it holds
// still. Fails the current test (leaving `world` as far as it got) otherwise.
inline void startStillWorld(std::unique_ptr<connectors::sandbox::SandboxWorld> &world, const QTemporaryDir &dir,
                            std::chrono::seconds duration, quint64 seed, const QSet<connectors::sandbox::Fault> &faults)
{
    QVERIFY(dir.isValid());
    ::chmod(dir.path().toLocal8Bit().constData(), 0711); // as root, postgres must enter it
    connectors::sandbox::SandboxOptions options;
    options.directory = dir.path();
    options.duration = duration;
    options.rate = 120;
    options.seed = seed;
    options.retryDelays = {std::chrono::milliseconds(200), std::chrono::milliseconds(300), std::chrono::milliseconds(500)};
    options.faults = faults;
    world = std::make_unique<connectors::sandbox::SandboxWorld>(options);
    const Status started = world->start();
    QVERIFY2(started.ok(), qPrintable(started.error()));
    QTRY_VERIFY_WITH_TIMEOUT((world->tick(), world->phase() == connectors::sandbox::SandboxWorld::Phase::Still), 150000);
    world->stopServices();
}

} // namespace idem::testsupport
