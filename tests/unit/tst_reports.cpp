// idemctl's reports: the JSON and the text are rendered from one struct, so
// they agree; text from outside Idem cannot steer the terminal or the
// formatting.

#include "models/core/jsonwriter.h"
#include "models/reports/envelopereport.h"
#include "models/reports/healthreport.h"
#include "models/reports/lagreport.h"
#include "models/reports/reporttext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <limits>

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

        // The bytes written directly are QJsonDocument's own: parsed and
        // written again by it, they come out the same.
        const QByteArray bytes = toJsonBytes(report);
        QCOMPARE(QJsonDocument::fromJson(bytes).toJson(QJsonDocument::Compact), bytes);

        const QStringList lines = toText(report).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.first().simplified(), QStringLiteral("FLOW GROUP TOPIC PART COMMITTED HIGH LAG LAG S STATUS"));
        const QString total = lines.filter(QStringLiteral("billing      (total)")).value(0).simplified();
        QCOMPARE(total, QStringLiteral("orders billing (total) 40 12.5 STALLED (2 members, Stable)"));
        QVERIFY(lines.contains(QStringLiteral("note: cluster main: group discovery not answered")));
        const QString unread = lines.filter(QStringLiteral("shipping")).value(0).simplified();
        QCOMPARE(unread, QStringLiteral("orders shipping orders.events 0 - 100 100 ? UNKNOWN"));
    }

    void jsonWriterWritesAsQJsonDocument()
    {
        // Every character a name or a note may hold, and numbers of every shape.
        QString every;
        for (char16_t c = 0; c < 0x80; ++c)
            every += QChar(c);
        const QStringList texts{every, QStringLiteral("caf\u00e9 \u65e5\u672c \U0001F600"), QString(), QStringLiteral("\u2028\u00a0\u007f")};
        const QList<double> numbers{0.0, -0.5, 0.1, 1.0 / 3.0, 12.5, 1e21, 1e-7, 123456789.125, -2e300};
        const QList<qint64> integers{0, -1, 42, std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::min() + 1};
        JsonWriter w;
        QJsonArray expected;
        w.beginArray();
        for (const QString &t : texts) {
            w.value(t);
            expected.append(t);
        }
        for (const double d : numbers) {
            w.value(d);
            expected.append(d);
        }
        for (const qint64 i : integers) {
            w.value(i);
            expected.append(i);
        }
        w.value(true);
        w.null();
        w.value(std::optional<double>());
        w.beginObject();
        w.key("a");
        w.beginArray();
        w.endArray();
        w.key("b");
        w.beginObject();
        w.endObject();
        w.endObject();
        w.endArray();
        expected.append(true);
        expected.append(QJsonValue());
        expected.append(QJsonValue());
        expected.append(QJsonObject{{QStringLiteral("a"), QJsonArray()}, {QStringLiteral("b"), QJsonObject()}});
        QCOMPARE(w.bytes(), QJsonDocument(expected).toJson(QJsonDocument::Compact));
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
