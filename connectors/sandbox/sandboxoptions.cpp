#include "connectors/sandbox/sandboxoptions.h"

namespace idem::connectors::sandbox {

QList<Fault> allFaults()
{
    return {Fault::DuplicateSends, Fault::Redelivery, Fault::Poison, Fault::SchemaBump,
            Fault::Outage, Fault::SlowConsumer, Fault::BrokerDown, Fault::Lose};
}

QList<Fault> defaultFaults()
{
    QList<Fault> faults = allFaults();
    faults.removeAll(Fault::Lose);
    return faults;
}

QString faultName(Fault fault)
{
    switch (fault) {
    case Fault::DuplicateSends:
        return QStringLiteral("duplicates");
    case Fault::Redelivery:
        return QStringLiteral("redelivery");
    case Fault::Poison:
        return QStringLiteral("poison");
    case Fault::SchemaBump:
        return QStringLiteral("schema-bump");
    case Fault::Outage:
        return QStringLiteral("outage");
    case Fault::SlowConsumer:
        return QStringLiteral("slow-consumer");
    case Fault::BrokerDown:
        return QStringLiteral("broker-down");
    case Fault::Lose:
        return QStringLiteral("lose");
    }
    return {};
}

Result<QSet<Fault>> parseFaults(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == QLatin1String("none"))
        return QSet<Fault>();
    const auto all = allFaults();
    const auto standard = defaultFaults();
    QSet<Fault> faults;
    QStringList names;
    for (Fault f : all)
        names << faultName(f);
    for (const QString &part : trimmed.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString name = part.trimmed();
        if (name == QLatin1String("all")) {
            faults.unite(QSet<Fault>(standard.begin(), standard.end()));
            continue;
        }
        const auto index = names.indexOf(name);
        if (index < 0)
            return makeError(QStringLiteral("unknown fault \"%1\"; expected none, all or a "
                                            "comma-separated list of: all, %2")
                                 .arg(name, names.join(QStringLiteral(", "))));
        faults.insert(all.at(index));
    }
    if (faults.isEmpty())
        return makeError(QStringLiteral("--faults needs none, all or a list of fault names"));
    return faults;
}

Result<QList<std::chrono::milliseconds>> parseRetryDelays(const QString &text)
{
    const QStringList parts = text.split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (parts.size() != 3)
        return makeError(QStringLiteral("--retry-delays needs exactly three delays in seconds, "
                                        "e.g. 2,10,30 (one per retry topic); got \"%1\"")
                             .arg(text));
    QList<std::chrono::milliseconds> delays;
    for (const QString &part : parts) {
        bool ok = false;
        const double seconds = part.trimmed().toDouble(&ok);
        if (!ok || seconds < 0.05 || seconds > 3600)
            return makeError(QStringLiteral("retry delay \"%1\" is not a number of seconds between "
                                            "0.05 and 3600")
                                 .arg(part.trimmed()));
        delays << std::chrono::milliseconds(qRound64(seconds * 1000));
    }
    return delays;
}

} // namespace idem::connectors::sandbox
