#pragma once

// What the Replays page and the request dialog need from the ops database,
// as the signed-in person: the requests, live (every change another console
// makes arrives within a second), one request's details, and the actions.
// Calls return at once; results arrive as signals on the caller's thread.
// app/ wires a connectors/ops implementation; tests use a fake.

#include "models/deadletters/deadletterrow.h" // DeadLetterRef: a dead letter by address
#include "models/replay/replay.h"

#include <QObject>

namespace idem::models {

class ReplaySource : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // The people the console may sign in as (the sandbox's demo people);
    // empty: only the configured login.
    virtual QStringList people() const = 0;
    virtual void signIn(const QString &user) = 0;
    virtual void refresh() = 0;
    virtual void loadDetails(qint64 id) = 0;
    virtual void request(const QString &flow, const QString &reason, const QList<DeadLetterRef> &items,
                         const QString &targetTopic) = 0;
    // With the approver's own dry run, for the items whose hash was reviewed.
    virtual void decide(qint64 id, bool approve, const QString &itemsHash, const QString &comment,
                        bool overrideProcessed) = 0;
    virtual void cancel(qint64 id) = 0;
    virtual void run(qint64 id) = 0;

signals:
    // `error` non-empty: nobody is signed in (the database could not be reached or refused the login).
    void identityChanged(const idem::models::OpsIdentity &who, const QString &error);
    void requestsChanged(const QList<idem::models::ReplayRequest> &requests);
    void detailsReady(const idem::models::ReplayDetails &details);
    // action: request, approve, reject, cancel, run. refused: the database's rules said no (message is its reason).
    void actionDone(const QString &action, qint64 id, bool ok, bool refused, const QString &message);
};

} // namespace idem::models
