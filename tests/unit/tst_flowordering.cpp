// The Overview's order: trouble first (lag status by severity, then figures
// above threshold), then names in natural order.

#include "models/metrics/flowordering.h"

#include <QtTest>

using namespace idem::models;

class TestFlowOrdering : public QObject
{
    Q_OBJECT

private slots:
    void naturalOrder_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::newRow("digits as numbers") << QStringLiteral("f2") << QStringLiteral("f10");
        QTest::newRow("prefix first") << QStringLiteral("f") << QStringLiteral("f0");
        QTest::newRow("letters") << QStringLiteral("billing") << QStringLiteral("orders");
        QTest::newRow("case folded") << QStringLiteral("Alpha") << QStringLiteral("beta");
        QTest::newRow("inner numbers") << QStringLiteral("orders-2-eu") << QStringLiteral("orders-10-eu");
        QTest::newRow("longer than 64 bits") << QStringLiteral("f99999999999999999999") << QStringLiteral("f100000000000000000000");
        QTest::newRow("leading zeros") << QStringLiteral("f007") << QStringLiteral("f8");
    }

    void naturalOrder()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QVERIFY(naturalLess(a, b));
        QVERIFY(!naturalLess(b, a));
        QVERIFY(!naturalLess(a, a));
    }

    void troubleFirst()
    {
        QList<FlowTrouble> flows;
        for (int i = 0; i < 100; ++i)
            flows.append({QStringLiteral("f%1").arg(i), LagStatus::Ok, 0});
        flows[57].status = LagStatus::Stalled;
        flows[12].figuresAboveThreshold = 2;
        flows[3].figuresAboveThreshold = 1;
        flows[80].status = LagStatus::Warning;
        flows[99].status = LagStatus::NotEnoughData;
        const QStringList order = orderByTrouble(flows);
        QCOMPARE(order.size(), 100);
        QCOMPARE(order.mid(0, 4), (QStringList{QStringLiteral("f57"), QStringLiteral("f80"), QStringLiteral("f12"),
                                               QStringLiteral("f3")}));
        // Then the OK ones in natural order, the unknown last.
        QCOMPARE(order.mid(4, 4), (QStringList{QStringLiteral("f0"), QStringLiteral("f1"), QStringLiteral("f2"),
                                               QStringLiteral("f4")}));
        QCOMPARE(order.indexOf(QStringLiteral("f10")), order.indexOf(QStringLiteral("f9")) + 1);
        QCOMPARE(order.last(), QStringLiteral("f99"));
    }
};

QTEST_GUILESS_MAIN(TestFlowOrdering)
#include "tst_flowordering.moc"
