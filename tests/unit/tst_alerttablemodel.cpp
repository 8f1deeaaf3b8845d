// Proves the Alerts page's table (open alerts first, newest first; who
// acknowledged), the worst open severity the tray icon shows, and idemctl
// alerts' report (open count, JSON and text from the same values).

#include "models/alerts/alerttablemodel.h"
#include "models/reports/alertsreport.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QtTest>

using namespace idem::models;

namespace {

AlertRecord alert(qint64 id, const QString &severity, qint64 firedMinutesAgo, bool open)
{
    AlertRecord a;
    a.id = id;
    a.rule = QStringLiteral("rising");
    a.flow = QStringLiteral("orders");
    a.subject = QStringLiteral("dead_letters_per_minute");
    a.severity = severity;
    a.firedAt = QDateTime::currentDateTimeUtc().addSecs(-60 * firedMinutesAgo);
    if (!open)
        a.resolvedAt = a.firedAt.addSecs(120);
    a.text = QStringLiteral("dead letters per minute of flow orders rising\x1b[31m");
    return a;
}

} // namespace

class TestAlertTableModel : public QObject
{
    Q_OBJECT

private slots:
    void openFirstThenNewest()
    {
        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        AlertRecord acked = alert(1, QStringLiteral("warning"), 30, false);
        acked.acks.append({QStringLiteral("bob"), QStringLiteral("approver"), QDateTime::currentDateTimeUtc(),
                           QStringLiteral("gateway down")});
        model.setAlerts({acked, alert(2, QStringLiteral("warning"), 5, true), alert(3, QStringLiteral("critical"), 50, true),
                         alert(4, QStringLiteral("warning"), 1, false)});
        QCOMPARE(model.rowCount(), 4);
        QList<qint64> ids;
        for (int row = 0; row < 4; ++row)
            ids << model.alert(row)->id;
        QCOMPARE(ids, (QList<qint64>{2, 3, 4, 1}));
        QCOMPARE(model.index(0, AlertTableModel::State).data().toString(), QStringLiteral("open"));
        QVERIFY(model.index(3, AlertTableModel::Acknowledged).data().toString().startsWith(QStringLiteral("bob (approver)")));
        QVERIFY(model.index(3, AlertTableModel::Acknowledged).data(Qt::ToolTipRole).toString().contains(QStringLiteral("gateway down")));
        QCOMPARE(worstOpenSeverity(model.alerts()), QStringLiteral("critical"));
        QCOMPARE(worstOpenSeverity({alert(5, QStringLiteral("warning"), 1, true)}), QStringLiteral("warning"));
        QCOMPARE(worstOpenSeverity({alert(6, QStringLiteral("critical"), 1, false)}), QString());
    }

    void reportCountsOpenAlertsAndEscapesText()
    {
        AlertsReport report;
        report.alerts = {alert(2, QStringLiteral("warning"), 5, true), alert(1, QStringLiteral("warning"), 30, false)};
        QCOMPARE(report.openCount(), 1);
        const QJsonObject json = toJson(report);
        QCOMPARE(json.value(QStringLiteral("open")).toInt(), 1);
        const QJsonArray list = json.value(QStringLiteral("alerts")).toArray();
        QCOMPARE(list.size(), 2);
        QVERIFY(list[0].toObject().value(QStringLiteral("resolved_at")).isNull());
        QVERIFY(!list[1].toObject().value(QStringLiteral("resolved_at")).toString().isEmpty());
        const QString text = toText(report);
        QVERIFY2(text.contains(QStringLiteral("#2 OPEN")), qPrintable(text));
        QVERIFY2(!text.contains(QChar(0x1b)), "a control character reached the terminal");
        QVERIFY(text.endsWith(QStringLiteral("1 open")));
        QCOMPARE(toText(AlertsReport{true, {}}), QStringLiteral("no open alerts"));
    }
};

QTEST_GUILESS_MAIN(TestAlertTableModel)
#include "tst_alerttablemodel.moc"
