// Proves the dead-letter digest counts each dead letter once into its
// failure group, orders groups by count then recency, gathers the failing
// consumer groups, keeps one example, counts decode errors per topic, and
// stops growing at MaxFailureGroups distinct failures. Dead letters are
// written by anyone: the consumer groups of a failure stay a bounded list,
// every field is capped, and HTML in them is shown as text.

#include "models/core/untrustedtext.h"
#include "models/envelope/deadletterdigest.h"
#include "models/envelope/failuretablemodel.h"

#include <QAbstractItemModelTester>
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
        // First seen: the oldest of the group, though it was counted last.
        QCOMPARE(f[0].oldest, QDateTime::fromMSecsSinceEpoch(500, Qt::UTC));
        QCOMPARE(f[1].oldest, QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC));
        QCOMPARE(f[1].newest, QDateTime::fromMSecsSinceEpoch(2000, Qt::UTC));
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

    void manyConsumerGroupsStayBounded()
    {
        DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 100'000; ++i)
            digest.add(raw(i, 1000 + i), failed(QStringLiteral("e%1").arg(i), QStringLiteral("group-%1").arg(i, 6, 10, QLatin1Char('0')),
                                                QStringLiteral("Timeout"), QStringLiteral("store timed out")));
        // Before the cap every dead letter sorted an ever longer list: minutes.
        QVERIFY2(timer.elapsed() < 20'000, qPrintable(QString::number(timer.elapsed())));
        const QList<FailureCount> f = digest.failures();
        QCOMPARE(f.size(), 1);
        QCOMPARE(f[0].count, 100'000);
        QCOMPARE(f[0].consumerGroups.size(), DeadLetterDigest::MaxConsumerGroupNames);
        QCOMPARE(f[0].consumerGroups.first(), QStringLiteral("group-000000"));
        QCOMPARE(f[0].otherConsumerGroups(), DeadLetterDigest::MaxCountedConsumerGroups);
        QVERIFY(f[0].otherConsumerGroupsCapped());
        QVERIFY2(f[0].consumerGroupsText().endsWith(QStringLiteral("group-000019 and more than 1000 more")),
                 qPrintable(f[0].consumerGroupsText().right(80)));
        QVERIFY(f[0].consumerGroupsText().size() < 20 * 14 + 40);

        // A few more than the names shown are counted exactly; one already listed is not counted again.
        DeadLetterDigest few(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        for (int i = 0; i < 25; ++i)
            few.add(raw(i, 1000), failed(QStringLiteral("e"), QStringLiteral("g%1").arg(i, 2, 10, QLatin1Char('0')),
                                         QStringLiteral("Timeout"), QString()));
        few.add(raw(30, 1000), failed(QStringLiteral("e"), QStringLiteral("g03"), QStringLiteral("Timeout"), QString()));
        few.add(raw(31, 1000), failed(QStringLiteral("e"), QStringLiteral("g24"), QStringLiteral("Timeout"), QString()));
        QCOMPARE(few.failures()[0].otherConsumerGroups(), 5);
        QVERIFY(few.failures()[0].consumerGroupsText().endsWith(QStringLiteral("g19 and 5 more")));
    }

    void hugeFieldsAreCut()
    {
        const QString huge(1024 * 1024, u'A');
        DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        // Grouped by error class and cause.
        digest.add(raw(1, 1000), failed(huge, huge, huge, huge));
        // Grouped by a stack trace whose class and frame are huge.
        DecodedEnvelope traced = failed(huge, huge, QString(), QStringLiteral("boom"));
        traced.stackTrace = QStringLiteral("com.acme.") + huge + QStringLiteral("Exception: boom\n\tat com.acme.")
            + huge + QStringLiteral(".handle(Orders.java:1)\n");
        digest.add(raw(2, 2000), traced);
        const QList<FailureCount> f = digest.failures();
        QCOMPARE(f.size(), 2);
        for (const FailureCount &c : f) {
            for (const QString &field : {c.group.exceptionClass, c.group.firstFrame, c.group.cause, c.exampleEventId}) {
                QVERIFY2(field.size() <= kMaxUntrustedField + 1, qPrintable(QString::number(field.size())));
            }
            QVERIFY(c.group.key.size() < 4 * kMaxUntrustedField);
            QVERIFY(c.exampleEventId.endsWith(QChar(0x2026)));
            QCOMPARE(c.consumerGroups.size(), 1);
            QCOMPARE(c.consumerGroups.first().size(), kMaxUntrustedField + 1);
            QVERIFY(c.exampleError.size() <= 500);
        }
        QVERIFY(f[0].group.exceptionClass.endsWith(QChar(0x2026)) || f[1].group.exceptionClass.endsWith(QChar(0x2026)));
    }

    void htmlShowsAsText()
    {
        const QString html = QStringLiteral("<img src=x><b>bold</b>");
        DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        digest.add(raw(1, 1000), failed(QStringLiteral("evt <b>1</b>"), QStringLiteral("<b>group</b>"), QStringLiteral("Poison"),
                                        QStringLiteral("amount ") + html));
        FailureTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyDigest(digest);
        model.showFlow(QStringLiteral("orders"));
        QCOMPARE(model.rowCount(), 1);
        // Item views paint the display role as text: it stays literal.
        QVERIFY2(model.index(0, FailureTableModel::Failure).data().toString().contains(html),
                 qPrintable(model.index(0, FailureTableModel::Failure).data().toString()));
        QCOMPARE(model.index(0, FailureTableModel::ConsumerGroups).data().toString(), QStringLiteral("<b>group</b>"));
        QCOMPARE(model.index(0, FailureTableModel::ExampleEvent).data().toString(), QStringLiteral("evt <b>1</b>"));
        // Tooltips are rich text when they look like it: escaped, so they show the same characters.
        for (int column : {int(FailureTableModel::Failure), int(FailureTableModel::ExampleError)}) {
            const QString tip = model.index(0, column).data(Qt::ToolTipRole).toString();
            QVERIFY2(tip.contains(QStringLiteral("&lt;img src=x&gt;&lt;b&gt;bold&lt;/b&gt;")), qPrintable(tip));
            QVERIFY2(!tip.contains(QStringLiteral("<img")) && !tip.contains(QStringLiteral("<b>")), qPrintable(tip));
        }
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterDigest)
#include "tst_deadletterdigest.moc"
