// Proves the per-topic decode-error counter: what it counts, the bounded list
// of recent problems behind the "details" click, and merging the counts a
// reader hands over.

#include "models/envelope/decodeerrorcounter.h"

#include <QtTest>

using namespace idem::models;

namespace {

RawMessage at(const QString &topic, qint64 offset)
{
    RawMessage m;
    m.topic = topic;
    m.partition = 1;
    m.offset = offset;
    return m;
}

DecodedEnvelope withProblems(QList<FieldProblem> problems)
{
    DecodedEnvelope d;
    d.problems = std::move(problems);
    return d;
}

} // namespace

class TestDecodeErrorCounter : public QObject
{
    Q_OBJECT

private slots:
    void countsPerTopicAndField()
    {
        DecodeErrorCounter c;
        c.record(at(QStringLiteral("orders"), 1), DecodedEnvelope {});
        c.record(at(QStringLiteral("orders"), 2),
                 withProblems(
                     { { EnvelopeField::EventId, QStringLiteral("no header event_id") },
                       { EnvelopeField::Attempt, QStringLiteral("header attempt is 3 bytes") } }));
        c.record(
            at(QStringLiteral("orders.dlq"), 9),
            withProblems({ { EnvelopeField::EventId, QStringLiteral("no header event_id") } }));

        QCOMPARE(c.topics(), QStringList({ "orders", "orders.dlq" }));
        const TopicDecodeErrors orders = c.topic(QStringLiteral("orders"));
        QCOMPARE(orders.messages, 2);
        QCOMPARE(orders.failed, 1);
        QCOMPARE(orders.failedOn(EnvelopeField::EventId), 1);
        QCOMPARE(orders.failedOn(EnvelopeField::Attempt), 1);
        QCOMPARE(orders.failedOn(EnvelopeField::EntityKey), 0);
        QCOMPARE(orders.recent.size(), 1);
        QCOMPARE(orders.recent.first().offset, 2);
        QCOMPARE(orders.recent.first().problem,
                 QStringLiteral("could not read event_id: no header event_id\n"
                                "could not read attempt: header attempt is 3 bytes"));
        QCOMPARE(c.failed(QStringLiteral("orders.dlq")), 1);
        QCOMPARE(c.failed(QStringLiteral("unknown")), 0);
        QCOMPARE(c.totalFailed(), 2);
    }

    void keepsOnlyRecentProblems()
    {
        DecodeErrorCounter c;
        const DecodedEnvelope bad
            = withProblems({ { EnvelopeField::EventId, QStringLiteral("x") } });
        for (int i = 0; i < 50; ++i)
            c.record(at(QStringLiteral("t"), i), bad);
        const TopicDecodeErrors t = c.topic(QStringLiteral("t"));
        QCOMPARE(t.failed, 50);
        QCOMPARE(t.recent.size(), DecodeErrorCounter::RecentLimit);
        QCOMPARE(t.recent.first().offset, 50 - DecodeErrorCounter::RecentLimit);
        QCOMPARE(t.recent.last().offset, 49);
    }

    void mergesAndResets()
    {
        const DecodedEnvelope bad
            = withProblems({ { EnvelopeField::EventId, QStringLiteral("x") } });
        DecodeErrorCounter ui;
        ui.record(at(QStringLiteral("t"), 1), bad);
        DecodeErrorCounter worker;
        worker.record(at(QStringLiteral("t"), 2), bad);
        worker.record(at(QStringLiteral("u"), 3), DecodedEnvelope {});
        ui.merge(worker);
        QCOMPARE(ui.topic(QStringLiteral("t")).failed, 2);
        QCOMPARE(ui.topic(QStringLiteral("t")).messages, 2);
        QCOMPARE(ui.topic(QStringLiteral("t")).recent.last().offset, 2);
        QCOMPARE(ui.topic(QStringLiteral("u")).messages, 1);
        ui.reset(QStringLiteral("t"));
        QCOMPARE(ui.topics(), QStringList({ "u" }));
        ui.clear();
        QCOMPARE(ui.totalFailed(), 0);
        QVERIFY(ui.topics().isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestDecodeErrorCounter)
#include "tst_decodeerrorcounter.moc"
