#include "models/health/connectionhealth.h"

namespace idem::models {

QString healthStateName(HealthState state)
{
    switch (state) {
    case HealthState::Ok:
        return QStringLiteral("ok");
    case HealthState::Degraded:
        return QStringLiteral("degraded");
    case HealthState::Down:
        return QStringLiteral("down");
    case HealthState::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

} // namespace idem::models
