#include "models/health/probereport.h"

#include <QCoreApplication>

namespace idem::models {

void ProbeReport::pass(const QString &name, const QString &detail)
{
    steps.append({name, ProbeStep::Outcome::Passed, detail});
}

void ProbeReport::fail(const QString &name, const QString &detail)
{
    steps.append({name, ProbeStep::Outcome::Failed, detail});
}

void ProbeReport::skip(const QString &name, const QString &detail)
{
    steps.append({name, ProbeStep::Outcome::Skipped, detail});
}

bool ProbeReport::ok() const
{
    return !steps.isEmpty() && !failure();
}

const ProbeStep *ProbeReport::step(const QString &name) const
{
    for (const ProbeStep &s : steps) {
        if (s.name == name)
            return &s;
    }
    return nullptr;
}

const ProbeStep *ProbeReport::failure() const
{
    for (const ProbeStep &s : steps) {
        if (s.outcome == ProbeStep::Outcome::Failed)
            return &s;
    }
    return nullptr;
}

QString ProbeReport::summary() const
{
    if (const ProbeStep *failed = failure())
        return QCoreApplication::translate("ProbeReport", "Test of %1: failed at %2").arg(target, failed->name.toLower());
    return QCoreApplication::translate("ProbeReport", "Test of %1: ok").arg(target);
}

QStringList ProbeReport::lines() const
{
    QStringList out;
    for (const ProbeStep &s : steps) {
        const QString outcome = s.outcome == ProbeStep::Outcome::Passed ? QCoreApplication::translate("ProbeReport", "ok")
            : s.outcome == ProbeStep::Outcome::Failed                  ? QCoreApplication::translate("ProbeReport", "FAILED")
                                                                        : QCoreApplication::translate("ProbeReport", "skipped");
        out << QStringLiteral("%1: %2 — %3").arg(s.name, outcome, s.detail);
    }
    return out;
}

} // namespace idem::models
