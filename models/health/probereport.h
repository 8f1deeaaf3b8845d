#pragma once

// What "Test connection" found, step by step, in words: name resolution,
// TCP connect, TLS handshake, authentication (SASL for Kafka), authorization
// and the round-trip time. Built by connectors/probe/, shown by the
// connections dialog and idemctl; the text is rendered from the values.

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace idem::models {

struct ProbeStep
{
    enum class Outcome { Passed, Failed, Skipped };
    QString name;   // "Name resolution", "TCP connect", "TLS handshake", ...
    Outcome outcome = Outcome::Passed;
    QString detail; // for a person; never holds a secret

    bool operator==(const ProbeStep &) const = default;
};

struct ProbeReport
{
    QString target; // "cluster main", "store billing", "the ops database"
    QList<ProbeStep> steps;

    void pass(const QString &name, const QString &detail);
    void fail(const QString &name, const QString &detail);
    void skip(const QString &name, const QString &detail);

    bool ok() const; // no step failed (and there is at least one)
    const ProbeStep *step(const QString &name) const;
    // The first failed step, or nullptr.
    const ProbeStep *failure() const;
    // "Test of cluster main: ok" or "...: failed at TCP connect", then one
    // line per step: "TCP connect: ok — 127.0.0.1:9092 in 0.3 ms".
    QString summary() const;
    QStringList lines() const;
    QString text() const { return (QStringList{summary()} + lines()).join(QLatin1Char('\n')); }
};

} // namespace idem::models

Q_DECLARE_METATYPE(idem::models::ProbeReport)
