#include "models/config/flowlookup.h"

namespace idem::models {

QString unknownFlowError(const EnvironmentConfig &env, const QString &name)
{
    QStringList names;
    for (const FlowConfig &f : env.flows)
        names << f.name;
    return QStringLiteral("no flow named \"%1\" in environment %2; flows: %3")
        .arg(name, env.name, names.join(QStringLiteral(", ")));
}

} // namespace idem::models
