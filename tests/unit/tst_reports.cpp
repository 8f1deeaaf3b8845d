// idemctl's reports: the JSON and the text are rendered from one struct, so
// they agree; text from outside Idem cannot steer the terminal or the
// formatting.

#include "models/reports/envelopereport.h"
#include "models/reports/healthreport.h"
#include "models/reports/lagreport.h"
#include "models/reports/reporttext.h"

#include <QJsonArray>
#include <QTest>

using namespace idem::models;

class TestReports : public QObject
{
    Q_OBJECT

private:
    static PartitionLag partition(const QString &group, int p, qint64 committed, qint64 high, qint64 lagMs)
    {
        PartitionLag lag;
        lag.flow = QStringLiteral("orders");
        lag.group = group;
        lag.topic = QStringLiteral("orders.events");
        lag.partition = p;
        lag.committed = committed;
        lag.low = 0;
        lag.high = high;
        lag.lagMs = lagMs;
        return lag;
    }

private slots:
    void lagReportJsonAndTextAgree()
    {
        LagSnapshot snapshot;
        snapshot.cluster = QStringLiteral("main");
        snapshot.health.state = HealthState::Ok;
        snapshot.partitions = {partition(QStringLiteral("billing"), 0, 90, 100, 4000),
                               partition(QStringLiteral("billing"), 1, 100, 100, 0),
                               partition(QStringLiteral("billing"), 2, 70, 100, 12500),
                               partition(QStringLiteral("shipping"), 0, -1, 100, -1)};
        FlowGroup billing;
        billing.flow = QStringLiteral("orders");
        billing.group = QStringLiteral("billing");
        billing.members = 2;
        billing.state = QStringLiteral("Stable");
        snapshot.groups = {billing};
        snapshot.notes = {QStringLiteral("group discovery not answered")};

        MetricsTracker::Figures figures;
        GroupFigures stalled;
        stalled.flow = QStringLiteral("orders");
        stalled.group = QStringLiteral("billing");
        stalled.status = LagStatus::Stalled;
        figures.groups = {stalled};

        const LagReport report = buildLagReport({snapshot}, figures);
        QCOMPARE(report.flows.size(), 1);
        const GroupLagRow &g = report.flows[0].groups[0];
        QCOMPARE(g.group, QStringLiteral("billing"));
        QCOMPARE(g.lag, 40);
        QCOMPARE(*g.lagSeconds, 12.5);
        QCOMPARE(g.membership(), QStringLiteral("2 members, Stable"));
        QCOMPARE(*g.partitions[2].lagShare, 0.75);
        QVERIFY(!report.flows[0].groups[1].lagSeconds);
        QCOMPARE(report.flows[0].groups[1].membership(), QStringLiteral("members unknown"));

        const QJsonObject json = toJson(report);
        const QJsonObject jg = json[QStringLiteral("flows")][0][QStringLiteral("groups")][0].toObject();
        QCOMPARE(jg[QStringLiteral("lag")].toInteger(), 40);
        QCOMPARE(jg[QStringLiteral("lag_seconds")].toDouble(), 12.5);
        QCOMPARE(jg[QStringLiteral("status")].toString(), QStringLiteral("STALLED"));
        QVERIFY(json[QStringLiteral("flows")][0][QStringLiteral("groups")][1][QStringLiteral("lag_seconds")].isNull());
        QVERIFY(json[QStringLiteral("flows")][0][QStringLiteral("groups")][1][QStringLiteral("partitions")][0]
                    [QStringLiteral("committed")].isNull());

        const QStringList lines = toText(report).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.first().simplified(), QStringLiteral("FLOW GROUP TOPIC PART COMMITTED HIGH LAG LAG S STATUS"));
        const QString total = lines.filter(QStringLiteral("billing      (total)")).value(0).simplified();
        QCOMPARE(total, QStringLiteral("orders billing (total) 40 12.5 STALLED (2 members, Stable)"));
        QVERIFY(lines.contains(QStringLiteral("note: cluster main: group discovery not answered")));
        const QString unread = lines.filter(QStringLiteral("shipping")).value(0).simplified();
        QCOMPARE(unread, QStringLiteral("orders shipping orders.events 0 - 100 100 ? UNKNOWN"));
    }

    void terminalEscapes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("shown");
        QTest::newRow("plain") << QStringLiteral("billing") << QStringLiteral("billing");
        QTest::newRow("escape sequence") << QStringLiteral("a\x1b[2Jb") << QStringLiteral("a\\x1b[2Jb");
        QTest::newRow("newline") << QStringLiteral("a\nb") << QStringLiteral("a\\x0ab");
        QTest::newRow("del") << QStringLiteral("a\x7f") << QStringLiteral("a\\x7f");
        QTest::newRow("c1 csi") << QString(QChar(0x9b)) + QStringLiteral("31m") << QStringLiteral("\\u009b31m");
        QTest::newRow("bidi override") << QString(QChar(0x202e)) + QStringLiteral("gpj.exe")
                                       << QStringLiteral("\\u202egpj.exe");
        QTest::newRow("isolate") << QString(QChar(0x2066)) << QStringLiteral("\\u2066");
        QTest::newRow("tab") << QStringLiteral("a\tb") << QStringLiteral("a b");
        QTest::newRow("not ascii") << QStringLiteral("Zürich ✓") << QStringLiteral("Zürich ✓");
    }

    void terminalEscapes()
    {
        QFETCH(QString, text);
        QFETCH(QString, shown);
        QCOMPARE(forTerminal(text), shown);
    }

    void untrustedTextIsPrintedAsItself()
    {
        // A connection named like a format string, with an escape sequence in its detail.
        HealthReport report;
        ConnectionHealth c;
        c.kind = ConnectionHealth::Kind::Store;
        c.name = QStringLiteral("%2%3");
        c.state = HealthState::Down;
        c.detail = QStringLiteral("refused\x1b]0;owned\x07\nsecond line");
        report.connections = {c};
        FlowFigures f;
        f.flow = QStringLiteral("%1");
        f.worstGroup = QStringLiteral("%4");
        report.flows = {f};
        const QString text = toText(report);
        QCOMPARE(text.section(QLatin1Char('\n'), 0, 0).simplified(), QStringLiteral("down %2%3 refused\\x1b]0;owned\\x07"));
        QVERIFY2(text.contains(QStringLiteral("flow %1: UNKNOWN (worst group %4), lag 0")), qPrintable(text));
        QVERIFY(!text.contains(QChar(0x1b)));
        QCOMPARE(report.down(), 1);
        QCOMPARE(toJson(report)[QStringLiteral("connections")][0][QStringLiteral("kind")].toString(), QStringLiteral("store"));
    }

    void envelopeReport()
    {
        EnvelopeDetection d;
        d.topic = QStringLiteral("payments");
        d.sampled = 12;
        PresetProposal p;
        p.preset = QStringLiteral("idem");
        p.score = 0.9;
        p.sampled = 12;
        p.readable = 11;
        p.evidence = {QStringLiteral("event_id header on 11 of 12")};
        d.proposals = {p};
        const QString text = toText(d);
        QVERIFY(text.startsWith(QStringLiteral("payments: 12 messages sampled\n1. idem (score 0.90, 11 of 12 read cleanly)\n")));
        QCOMPARE(toJson(d)[QStringLiteral("proposals")][0][QStringLiteral("readable")].toInt(), 11);
    }

    void tableColumns()
    {
        TextTable table({{QStringLiteral("A"), 3}, {QStringLiteral("N"), -4}, {QStringLiteral("LAST"), 0}});
        table.addRow({QStringLiteral("x"), QStringLiteral("7"), QStringLiteral("end")});
        table.addRow({QStringLiteral("wider"), QStringLiteral("12345"), QString()});
        QCOMPARE(table.toText(), QStringLiteral("A      N LAST\nx      7 end\nwider 12345\n"));
    }
};

QTEST_GUILESS_MAIN(TestReports)
#include "tst_reports.moc"
