// Cross-reference checks of the configuration file: the names a flow uses
// for its cluster and its groups' stores must be defined by its environment.
// The reader records each reference with its position and runs these once
// the environment is read, whatever the order of its sections in the file.

#include "connectors/config/configfile_p.h"

#include <algorithm>

namespace idem::connectors::configfile {

namespace {

QString defined(const models::EnvironmentConfig &env, const QStringList &known, const QString &what)
{
    return known.isEmpty() ? QStringLiteral("environment %1 defines no %2").arg(quoted(env.name), what)
                           : QStringLiteral("environment %1 defines only: %2").arg(quoted(env.name), known.join(QStringLiteral(", ")));
}

} // namespace

QList<Problem> checkReferences(const models::EnvironmentConfig &env, const QList<Reference> &references)
{
    QList<Problem> problems;
    for (const Reference &r : references) {
        switch (r.kind) {
        case Reference::Kind::Cluster:
            if (!env.cluster(r.name))
                problems.append({r.line, r.column,
                                 QStringLiteral("flow %1 names cluster %2, but %3")
                                     .arg(quoted(r.flow), quoted(r.name),
                                          defined(env, names(env.clusters), QStringLiteral("Kafka clusters")))});
            break;
        case Reference::Kind::Store:
            if (!env.store(r.name))
                problems.append({r.line, r.column,
                                 QStringLiteral("group %1 of flow %2 names store %3, but %4")
                                     .arg(quoted(r.group), quoted(r.flow), quoted(r.name),
                                          defined(env, names(env.stores), QStringLiteral("stores")))});
            break;
        }
    }
    return problems;
}

QString formatProblems(QList<Problem> problems, const QString &source)
{
    std::stable_sort(problems.begin(), problems.end(), [](const Problem &a, const Problem &b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    QStringList lines;
    for (qsizetype i = 0; i < problems.size() && i < kMaxReported; ++i) {
        const Problem &p = problems.at(i);
        lines
            << QStringLiteral("%1:%2:%3: %4").arg(source).arg(p.line).arg(p.column).arg(p.message);
    }
    if (problems.size() > kMaxReported) {
        lines << QStringLiteral("%1: %2 more problems not shown")
                     .arg(source)
                     .arg(problems.size() - kMaxReported);
    }
    return lines.join(u'\n');
}

} // namespace idem::connectors::configfile
