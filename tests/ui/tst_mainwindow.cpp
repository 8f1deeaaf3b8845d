// Proves the main window shows what the monitor reports: the partitions
// table and the per-group lag chart carry the snapshot's figures, the status
// bar light and the Connections page carry each connection's health, and the
// window can save a screenshot of itself.

#include "models/metrics/partitiontablemodel.h"
#include "ui/mainwindow.h"
#include "ui/pages/flowspage.h"
#include "ui/widgets/healthlight.h"

#include <qcustomplot.h>

#include <QListWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace idem;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("idem-tests"));
        QStandardPaths::setTestModeEnabled(true);
    }

    void showsSnapshotsAndHealth()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        models::LagSnapshot s;
        s.cluster = QStringLiteral("main");
        s.takenAt = QDateTime::currentDateTimeUtc();
        s.partitions = {{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0, 90, 0, 100},
                        {QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 1, 40, 0, 45},
                        {QStringLiteral("orders"), QStringLiteral("shipping"), QStringLiteral("orders.events"), 0, 100, 0, 100}};
        window.applySnapshot(s);
        s.takenAt = s.takenAt.addSecs(2);
        s.partitions[0].committed = 95;
        window.applySnapshot(s);

        QTableView *table = window.flowsPage()->partitionsView();
        QCOMPARE(table->model()->rowCount(), 3);
        // Sorted by lag, largest first.
        QCOMPARE(table->model()->index(0, models::PartitionTableModel::Lag).data().toString(), QStringLiteral("5"));
        QCOMPARE(table->model()->index(0, models::PartitionTableModel::Group).data().toString(), QStringLiteral("billing"));

        QCustomPlot *chart = window.flowsPage()->lagChart();
        QCOMPARE(chart->graphCount(), 2);
        QCOMPARE(chart->graph(0)->name(), QStringLiteral("orders / billing"));
        QCOMPARE(chart->graph(0)->data()->size(), 2);
        QCOMPARE((chart->graph(0)->data()->constEnd() - 1)->value, 10.0); // 5 + 5
        QCOMPARE((chart->graph(1)->data()->constEnd() - 1)->value, 0.0);

        models::ConnectionHealth h;
        h.kind = models::ConnectionHealth::Kind::Store;
        h.name = QStringLiteral("billing");
        h.state = models::HealthState::Down;
        h.detail = QStringLiteral("connection to server at \"127.0.0.1\", port 1 failed");
        h.checkedAt = QDateTime::currentDateTimeUtc();
        window.applyHealth(h);
        ui::HealthLight *light = window.healthLight(QStringLiteral("billing"));
        QVERIFY(light);
        QCOMPARE(light->state(), ui::HealthLight::State::Down);
        QVERIFY(light->toolTip().contains(QStringLiteral("port 1 failed")));
        h.state = models::HealthState::Ok;
        window.applyHealth(h);
        QCOMPARE(light->state(), ui::HealthLight::State::Ok);

        // The Connections page lists it.
        auto *sidebar = window.findChild<QListWidget *>(QStringLiteral("sidebar"));
        sidebar->setCurrentRow(1);
        auto *connections = window.findChild<QTableView *>(QStringLiteral("connectionsView"));
        QVERIFY(connections->isVisible());
        QCOMPARE(connections->model()->rowCount(), 1);
        QCOMPARE(connections->model()->index(0, 2).data().toString(), QStringLiteral("ok"));

        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("window.png"));
        QString error;
        QVERIFY2(window.saveScreenshot(png, &error), qPrintable(error));
        QImage image(png);
        QCOMPARE(image.size(), window.grab().size());
        QVERIFY(!window.saveScreenshot(QStringLiteral("/proc/nope/window.png"), &error));
        QCOMPARE(error, QStringLiteral("cannot write the screenshot to /proc/nope/window.png"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
