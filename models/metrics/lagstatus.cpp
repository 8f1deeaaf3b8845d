#include "models/metrics/lagstatus.h"

namespace idem::models {

QString lagStatusName(LagStatus status)
{
    switch (status) {
    case LagStatus::Ok:
        return QStringLiteral("OK");
    case LagStatus::Warning:
        return QStringLiteral("WARNING");
    case LagStatus::Rewound:
        return QStringLiteral("REWOUND");
    case LagStatus::Stalled:
        return QStringLiteral("STALLED");
    case LagStatus::Stopped:
        return QStringLiteral("STOPPED");
    case LagStatus::NotEnoughData:
        break;
    }
    return QStringLiteral("UNKNOWN");
}

int lagStatusSeverity(LagStatus status)
{
    switch (status) {
    case LagStatus::NotEnoughData:
        return 0;
    case LagStatus::Ok:
        return 1;
    case LagStatus::Warning:
        return 2;
    case LagStatus::Rewound:
        return 3;
    case LagStatus::Stalled:
        return 4;
    case LagStatus::Stopped:
        return 5;
    }
    return 0;
}

LagStatus evaluateLagStatus(const QList<OffsetSample> &samples, std::optional<bool> hasMembers)
{
    if (samples.size() < 2)
        return samples.isEmpty() || samples.first().lag > 0 ? LagStatus::NotEnoughData : LagStatus::Ok;

    bool rewound = false;
    bool committedMoved = false;
    bool lagDecreased = false;
    bool lagReachedZero = false;
    bool anyCommit = false;
    for (int i = 0; i < samples.size(); ++i) {
        const OffsetSample &s = samples[i];
        anyCommit = anyCommit || s.committed >= 0;
        lagReachedZero = lagReachedZero || s.lag == 0;
        if (i == 0)
            continue;
        const OffsetSample &prev = samples[i - 1];
        if (prev.committed >= 0 && s.committed >= 0 && s.committed < prev.committed)
            rewound = true;
        if (s.committed != prev.committed)
            committedMoved = true;
        if (s.lag < prev.lag)
            lagDecreased = true;
    }
    if (rewound)
        return LagStatus::Rewound;
    if (lagReachedZero)
        return LagStatus::Ok;
    if (!anyCommit || (!committedMoved && hasMembers == false))
        return LagStatus::Stopped;
    if (!committedMoved)
        return LagStatus::Stalled;
    if (!lagDecreased)
        return LagStatus::Warning;
    return LagStatus::Ok;
}

LagStatus worstStatus(const QList<LagStatus> &statuses)
{
    LagStatus worst = LagStatus::NotEnoughData;
    for (LagStatus s : statuses) {
        if (lagStatusSeverity(s) > lagStatusSeverity(worst))
            worst = s;
    }
    return worst;
}

} // namespace idem::models
