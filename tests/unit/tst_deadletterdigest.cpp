// Proves the dead-letter digest counts each dead letter once into its
// failure group, orders groups by count then recency, gathers the failing
// consumer groups, keeps one example, counts decode errors per topic, and
// stops growing at MaxFailureGroups distinct failures.

#include "models/envelope/deadletterdigest.h"

#include <QtTest>

using namespace idem::models;

namespace {

RawMessage raw(qint64 offset, qint64 timestampMs)
{
    RawMessage m;
    m.topic = QStringLiteral("orders.dlq");
    m.partition = 0;
    m.offset = offset;
    m.timestampMs = timestampMs;
    return m;
}

DecodedEnvelope failed(const QString &id, const QString &group, const QString &errorClass, const QString &error)
{
    DecodedEnvelope d;
    d.eventId = id;
    d.consumerGroup = group;
    d.errorClass = errorClass;
    d.error = error;
    return d;
}

} // namespace

class TestDeadLetterDigest : public QObject
{
    Q_OBJECT

private slots:
    void countsGroupsAndOrders()
    {
        DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        digest.add(raw(1, 1000), failed(QStringLiteral("a"), QStringLiteral("shipping"), QStringLiteral("Timeout"), QStringLiteral("store 7 timed out")));
        digest.add(raw(2, 3000), failed(QStringLiteral("b"), QStringLiteral("billing"), QStringLiteral("Poison"), QStringLiteral("amount 12 invalid")));
        digest.add(raw(3, 2000), failed(QStringLiteral("c"), QStringLiteral("billing"), QStringLiteral("Timeout"), QStringLiteral("store 9 timed out")));
        digest.add(raw(4, 4000), failed(QStringLiteral("d"), QStringLiteral("ledger"), QStringLiteral("Unknown"), QStringLiteral("x")));
        DecodedEnvelope broken = failed(QStringLiteral("e"), QString(), QStringLiteral("Poison"), QStringLiteral("amount 13 invalid"));
        broken.problems << FieldProblem{EnvelopeField::Attempt, QStringLiteral("header attempt is 3 bytes")};
        digest.add(raw(5, 500), broken);

        QCOMPARE(digest.read(), 5);
        QCOMPARE(digest.oldest(), QDateTime::fromMSecsSinceEpoch(500, Qt::UTC));
        const QList<FailureCount> f = digest.failures();
        QCOMPARE(f.size(), 3);
        // Two and two: the more recent first; then the single one.
        QCOMPARE(f[0].group.exceptionClass, QStringLiteral("Poison"));
        QCOMPARE(f[0].count, 2);
        QCOMPARE(f[0].newest, QDateTime::fromMSecsSinceEpoch(3000, Qt::UTC));
        QCOMPARE(f[0].consumerGroups, QStringList{QStringLiteral("billing")});
        QCOMPARE(f[0].exampleEventId, QStringLiteral("b"));
        QCOMPARE(f[0].exampleError, QStringLiteral("amount 12 invalid"));
        QCOMPARE(f[1].group.exceptionClass, QStringLiteral("Timeout"));
        QCOMPARE(f[1].consumerGroups, (QStringList{QStringLiteral("billing"), QStringLiteral("shipping")}));
        QCOMPARE(f[2].count, 1);

        QCOMPARE(digest.decodeErrors().failed(QStringLiteral("orders.dlq")), 1);
        QCOMPARE(digest.decodeErrors().topic(QStringLiteral("orders.dlq")).messages, 5);
    }

    void distinctFailuresAreCapped()
    {
        DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        const int distinct = int(DeadLetterDigest::MaxFailureGroups) + 40;
        for (int i = 0; i < distinct; ++i)
            digest.add(raw(i, 1000 + i), failed(QStringLiteral("e%1").arg(i), QString(), QStringLiteral("Error%1").arg(QChar(u'A' + i % 26)) + QString(i / 26, u'x'), QString()));
        const QList<FailureCount> f = digest.failures();
        QCOMPARE(f.size(), DeadLetterDigest::MaxFailureGroups + 1);
        QCOMPARE(f.first().group.key, QStringLiteral("idem:other"));
        QCOMPARE(f.first().count, 40);
        QVERIFY(f.first().group.label().startsWith(QStringLiteral("other failures")));
        qint64 total = 0;
        for (const auto &g : f)
            total += g.count;
        QCOMPARE(total, distinct);
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterDigest)
#include "tst_deadletterdigest.moc"
