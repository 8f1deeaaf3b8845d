#pragma once

// "Already processed?" for dead letters: asks the store of every group on
// each dead letter's original topic whether its registry holds the event,
// one read-only query per store per batch (`event_id = ANY($1)`, the ids
// bound as one text array), each within the store's statement timeout. A
// store that does not answer makes its events "unknown: store … down"
// unless another store has them processed; the others still answer.
//
// Blocking; one thread at a time. Sessions are kept between batches.

#include "connectors/common/pollcontrol.h"
#include "models/config/config.h"
#include "models/deadletters/deadletterrow.h"

#include <QHash>
#include <QMap>

#include <memory>

namespace idem::connectors::postgres {
class PgSession;
}

namespace idem::connectors::deadletters {

class ProcessedLookup final
{
public:
    // `flow`: whose source topics stand in for dead letters without an
    // original topic.
    ProcessedLookup(models::EnvironmentConfig env, QString flow);
    ~ProcessedLookup();
    ProcessedLookup(const ProcessedLookup &) = delete;
    ProcessedLookup &operator=(const ProcessedLookup &) = delete;

    // `events`: event_id -> original topic (empty: the flow's topics).
    QHash<QString, models::ProcessedState> lookup(const QHash<QString, QString> &events, const PollControl &control);

    // The stores asked for `topic`, by name, with the groups they serve.
    QMap<QString, QStringList> storesFor(const QString &topic) const;

    // The PostgreSQL array literal of `values` ({"a","b\"c"}); exposed for tests.
    static std::string arrayLiteral(const QStringList &values);

private:
    postgres::PgSession &session(const models::StoreConfig &store);

    models::EnvironmentConfig m_env;
    QString m_flow;
    QHash<QString, std::shared_ptr<postgres::PgSession>> m_sessions; // by store
};

} // namespace idem::connectors::deadletters
