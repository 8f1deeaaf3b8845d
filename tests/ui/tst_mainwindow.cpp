// Proves the main window shows what the monitor reports: the Overview card
// and the Flows page carry the snapshot's figures, charts draw the history,
// switch range, pause, show exact values on hover and export valid PNG, PDF
// and CSV files; the status bar and the Connections page carry each
// connection's health; the window can save a screenshot of itself. The
// desktop conventions: File, Edit, View, Go and Help menus with the standard
// keys, each page on Ctrl+1…, the environment band's label and colour from
// the configuration, the welcome page, progress with Cancel, About's
// versions, and the window's geometry and page restored.

#include "models/envelope/failuretablemodel.h"
#include "models/metrics/partitiontablemodel.h"
#include "ui/charts/metricchart.h"
#include "ui/mainwindow.h"
#include "ui/pages/flowspage.h"
#include "ui/pages/overviewpage.h"
#include "ui/pages/tracepage.h"
#include "models/config/config.h"
#include "models/core/statuscolours.h"
#include "ui/widgets/environmentband.h"
#include "ui/widgets/healthlight.h"
#include "ui/widgets/modebar.h"

#include <qcustomplot.h>

#include <QCommandLinkButton>
#include <QGridLayout>
#include <QMenuBar>
#include <QToolButton>
#include <QLabel>
#include <QListWidget>
#include <QScrollArea>
#include <QScrollBar>
#include <QTabWidget>
#include <QTableView>
#include <QComboBox>
#include <QSettings>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace idem;

namespace {

models::LagSnapshot snapshot(qint64 atMs, qint64 high, qint64 billing, qint64 shipping, qint64 dlqHigh)
{
    using Role = models::TopicPartitionMarks::Role;
    models::LagSnapshot s;
    s.cluster = QStringLiteral("main");
    s.takenAt = QDateTime::fromMSecsSinceEpoch(atMs, Qt::UTC);
    s.health.state = models::HealthState::Ok;
    s.partitions = {{QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0, billing, 0, high, high > billing ? 4000 : 0},
                    {QStringLiteral("orders"), QStringLiteral("shipping"), QStringLiteral("orders.events"), 0, shipping, 0, high, high > shipping ? 9000 : 0}};
    s.topics = {{QStringLiteral("orders"), QStringLiteral("orders.events"), Role::Source, 0, 0, high},
                {QStringLiteral("orders"), QStringLiteral("orders.dlq"), Role::DeadLetter, 0, 0, dlqHigh}};
    return s;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

    QTemporaryDir m_settings;

    // Shows `window` with one snapshot and its Flows page on orders.
    void openOrdersOnFlowsPage(ui::MainWindow &window, ui::FlowsPage **flows)
    {
        window.resize(1300, 850);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.applySnapshot(snapshot(1'795'700'000'000, 100, 90, 80, 3));
        window.showPage(1);
        *flows = window.flowsPage();
        QCOMPARE((*flows)->currentFlow(), QStringLiteral("orders"));
    }

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("idem-tests"));
        QStandardPaths::setTestModeEnabled(true);
        // The window's settings (geometry, page) in a folder of this run only.
        QVERIFY(m_settings.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
    }

    void menusAndStandardShortcuts()
    {
        ui::MainWindow window;
        QStringList titles;
        for (QAction *menu : window.menuBar()->actions())
            titles << menu->text().remove(QLatin1Char('&'));
        QCOMPARE(titles, (QStringList{QStringLiteral("File"), QStringLiteral("Edit"), QStringLiteral("View"),
                                      QStringLiteral("Go"), QStringLiteral("Help")}));
        const auto shortcut = [&](const char *name) {
            auto *action = window.findChild<QAction *>(QLatin1String(name));
            return action ? action->shortcut() : QKeySequence();
        };
        QCOMPARE(shortcut("openConfigurationAction"), QKeySequence(QKeySequence::Open));
        QCOMPARE(shortcut("quitAction"), QKeySequence(QKeySequence::Quit));
        QCOMPARE(shortcut("copyAction"), QKeySequence(QKeySequence::Copy));
        QCOMPARE(shortcut("selectAllAction"), QKeySequence(QKeySequence::SelectAll));
        QCOMPARE(shortcut("traceSearchAction"), QKeySequence(QKeySequence::Find));
        QCOMPARE(shortcut("fullScreenAction"), QKeySequence(QKeySequence::FullScreen));
        QVERIFY(window.findChild<QAction *>(QStringLiteral("aboutAction")));
        QCOMPARE(shortcut("editConnectionsAction"), QKeySequence(Qt::CTRL | Qt::Key_E));
        QVERIFY(window.findChild<QAction *>(QStringLiteral("openLogFolderAction")));
        // The Go menu lists every page with its Ctrl+N.
        auto *go = window.findChild<QMenu *>(QStringLiteral("goMenu"));
        QVERIFY(go);
        QStringList pages;
        for (QAction *a : go->actions()) {
            if (a->objectName().startsWith(QLatin1String("goPage")))
                pages << a->text() + QLatin1Char('=') + a->shortcut().toString(QKeySequence::PortableText);
        }
        QCOMPARE(pages, (QStringList{QStringLiteral("Overview=Ctrl+1"), QStringLiteral("Flows=Ctrl+2"),
                                     QStringLiteral("Connections=Ctrl+3"), QStringLiteral("Trace=Ctrl+4"),
                                     QStringLiteral("Dead letters=Ctrl+5")}));
    }

    void pagesOnCtrlNumbers()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        const int replays = window.addPage(QStringLiteral("Replays"), new QLabel(QStringLiteral("replays")),
                                           QStringLiteral("replays"));
        QCOMPARE(replays, 5);
        for (int i = 0; i <= replays; ++i) {
            QTest::keyClick(&window, Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
            QCOMPARE(window.currentPage(), i);
        }
        // The mode bar shows the same page, and a click on it switches.
        auto *bar = window.findChild<ui::ModeBar *>(QStringLiteral("sidebar"));
        QVERIFY(bar);
        QCOMPARE(bar->count(), 6);
        QCOMPARE(bar->modeText(5), QStringLiteral("Replays"));
        QVERIFY(bar->button(5)->isChecked());
        QVERIFY(!bar->button(1)->icon().isNull());
        QVERIFY(bar->button(1)->toolTip().contains(QStringLiteral("Ctrl+2")));
        bar->button(1)->click();
        QCOMPARE(window.currentPage(), 1);
        QCOMPARE(window.flowsPage()->isVisible(), true);
    }

    void bandLabelAndColourFromTheConfiguration()
    {
        models::EnvironmentConfig production;
        production.name = QStringLiteral("production");
        production.band = models::EnvironmentBand{QStringLiteral("PRODUCTION"), QStringLiteral("#b71c1c")};
        models::EnvironmentConfig staging;
        staging.name = QStringLiteral("staging");

        ui::MainWindow window;
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.setBand(production.bandLabel(), production.band->colour);
        ui::EnvironmentBand *band = window.band();
        QCOMPARE(band->label(), QStringLiteral("PRODUCTION"));
        QCOMPARE(band->colour(), QColor(0xb7, 0x1c, 0x1c));
        QCOMPARE(band->textColour(), QColor(Qt::white));
        QVERIFY(band->isVisible());
        QVERIFY(band->height() >= band->fontMetrics().height());
        // Drawn in its colour across the window, on every page.
        for (int page : {0, 3, 4}) {
            window.showPage(page);
            const QImage image = band->grab().toImage();
            QCOMPARE(image.pixelColor(2, 2), QColor(0xb7, 0x1c, 0x1c));
            QVERIFY(band->isVisible());
        }
        QVERIFY(band->width() >= window.width() - 2);

        // Without a band: the environment's name on the palette's neutral colour.
        window.setBand(staging.bandLabel(), staging.band ? staging.band->colour : QString());
        QCOMPARE(band->label(), QStringLiteral("STAGING"));
        QCOMPARE(band->colour(), band->palette().color(QPalette::Mid));
        QVERIFY(models::contrastRatio(band->colour(), band->textColour()) >= 4.5);

        // The toolbar's selector names the environments; choosing another asks for it.
        window.setEnvironments({QStringLiteral("production"), QStringLiteral("staging")}, QStringLiteral("production"));
        auto *selector = window.findChild<QComboBox *>(QStringLiteral("environmentSelector"));
        QVERIFY(selector && selector->isEnabled());
        QCOMPARE(selector->currentText(), QStringLiteral("production"));
        QSignalSpy chosen(&window, &ui::MainWindow::environmentSelected);
        selector->setCurrentIndex(1);
        emit selector->activated(1);
        QCOMPARE(chosen.size(), 1);
        QCOMPARE(chosen.at(0).at(0).toString(), QStringLiteral("staging"));
    }

    void welcomePageWithoutAConfiguration()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showWelcome(QStringLiteral("/home/me/.config/idem/idem.yaml"));
        QVERIFY(window.welcomeShown());
        QVERIFY(!window.band()->isVisible());
        auto *demo = window.findChild<QCommandLinkButton *>(QStringLiteral("openDemo"));
        auto *mine = window.findChild<QCommandLinkButton *>(QStringLiteral("connectMine"));
        QVERIFY(demo && demo->isVisible() && mine && mine->isVisible());
        QCOMPARE(demo->text(), QStringLiteral("Open the demo world"));
        QCOMPARE(mine->text(), QStringLiteral("Connect to my systems"));
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("welcomeConfigPath"))
                    ->text()
                    .contains(QStringLiteral("/home/me/.config/idem/idem.yaml")));
        QSignalSpy demoSpy(&window, &ui::MainWindow::demoRequested);
        QSignalSpy mineSpy(&window, &ui::MainWindow::connectRequested);
        demo->click();
        mine->click();
        QCOMPARE(demoSpy.size(), 1);
        QCOMPARE(mineSpy.size(), 1);
        window.showConsole();
        QVERIFY(!window.welcomeShown());
        QVERIFY(window.band()->isVisible());
    }

    void progressCanBeCancelled()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(!window.progressShown());
        int cancelled = 0;
        window.showProgress(QStringLiteral("Starting the sandbox world…"), [&] { ++cancelled; });
        QVERIFY(window.progressShown());
        auto *cancel = window.findChild<QToolButton *>(QStringLiteral("progressCancel"));
        QVERIFY(cancel && cancel->isVisible());
        QCOMPARE(cancel->shortcut(), QKeySequence(QKeySequence::Cancel));
        cancel->click();
        QCOMPARE(cancelled, 1);
        QVERIFY(!window.progressShown());
        window.showProgress(QStringLiteral("Connecting…"), [&] { ++cancelled; });
        window.hideProgress(); // done: nothing to cancel any more
        QVERIFY(!window.progressShown());
        QCOMPARE(cancelled, 1);
    }

    void aboutNamesTheVersions()
    {
        ui::MainWindow window;
        window.setAboutVersions({{QStringLiteral("librdkafka"), QStringLiteral("2.0.2")},
                                 {QStringLiteral("libpq (PostgreSQL client)"), QStringLiteral("15.5")}});
        const QString text = window.aboutText();
        QVERIFY2(text.contains(QString::fromLatin1(qVersion())), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("<td>librdkafka</td><td>2.0.2</td>")));
        QVERIFY(text.contains(QStringLiteral("<td>libpq (PostgreSQL client)</td><td>15.5</td>")));
        QVERIFY(text.contains(QStringLiteral("QCustomPlot")));
        auto *logs = window.findChild<QAction *>(QStringLiteral("openLogFolderAction"));
        QVERIFY(!logs->isEnabled());
        window.setLogFolder(QStringLiteral("/tmp/idem-log"));
        QVERIFY(logs->isEnabled());
    }

    void geometryAndPageRestored()
    {
        {
            ui::MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.resize(1111, 777);
            QTRY_COMPARE(window.size(), QSize(1111, 777));
            window.showPage(3);
            window.close();
        }
        ui::MainWindow again;
        QCOMPARE(again.size(), QSize(1111, 777));
        QCOMPARE(again.currentPage(), 3);
        QVERIFY(again.tracePage()->isVisibleTo(&again));
    }

    void showsSnapshotsChartsAndHealth()
    {
        ui::MainWindow window;
        window.resize(1300, 850);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showPage(0);

        window.setFlowThresholds({{QStringLiteral("orders"), {{QStringLiteral("lag"), 500}, {QStringLiteral("errors_per_minute"), 10}}}});
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 60000;
        window.applySnapshot(snapshot(t0, 1000, 990, 900, 10));
        window.applySnapshot(snapshot(t0 + 30000, 1300, 1300, 900, 13));
        window.applySnapshot(snapshot(t0 + 60000, 1600, 1595, 900, 16));

        // Overview: the card's figures and status.
        ui::FlowCard *card = window.overviewPage()->card(QStringLiteral("orders"));
        QVERIFY(card);
        // Shipping stuck at 900; lag 705 above its threshold 500: both told.
        QCOMPARE(card->statusText(), QStringLiteral("STALLED · lag above threshold"));
        QCOMPARE(card->badgeColor(), ui::statusColor(models::LagStatus::Stalled));
        QCOMPARE(card->figureText(QStringLiteral("lag")), QStringLiteral("705"));
        QCOMPARE(card->figureText(QStringLiteral("errors")), QStringLiteral("6.0")); // 6 dead letters in a minute
        QCOMPARE(card->figureText(QStringLiteral("dead letters")), QStringLiteral("16"));
        QVERIFY(card->figureText(QStringLiteral("worst")).contains(QStringLiteral("<b>shipping</b>")));
        QVERIFY(card->isAboveThreshold(QStringLiteral("lag")));     // 705 > 500
        QVERIFY(!card->isAboveThreshold(QStringLiteral("errors"))); // 6 <= 10
        QVERIFY(!card->isAboveThreshold(QStringLiteral("retry")));  // no threshold
        // Under each figure its small live chart, with the flow's threshold
        // line: made once the card is in view, on the next turn of the event loop.
        QTRY_COMPARE(card->charts().size(), 4);
        QTRY_VERIFY(card->charts().last()->isVisible());
        window.overviewPage()->replotIfDirty();
        for (ui::MetricChart *spark : card->charts()) {
            QCOMPARE(spark->plot()->graphCount(), 1);
            QVERIFY2(spark->plot()->graph(0)->dataCount() >= 2, qPrintable(spark->objectName()));
        }
        QCOMPARE(card->charts().last()->plot()->graph(0)->data()->at(card->charts().last()->plot()->graph(0)->dataCount() - 1)->value, 16.0);
        QCOMPARE(card->charts()[0]->plot()->itemCount(), 2); // threshold line and its label
        QCOMPARE(card->charts()[1]->plot()->itemCount(), 0); // no retry threshold

        // Clicking the card opens the flow.
        QTest::mouseClick(card, Qt::LeftButton, {}, QPoint(20, 20));
        ui::FlowsPage *flows = window.flowsPage();
        QVERIFY(flows->isVisible());
        QCOMPARE(flows->currentFlow(), QStringLiteral("orders"));

        QTableView *table = flows->partitionsView();
        QCOMPARE(table->model()->rowCount(), 2);
        QCOMPARE(table->model()->index(0, models::PartitionTableModel::Lag).data().toString(), QStringLiteral("700"));
        QCOMPARE(table->model()->index(0, models::PartitionTableModel::Status).data().toString(), QStringLiteral("STALLED"));
        QCOMPARE(table->model()->index(0, models::PartitionTableModel::LagSeconds).data().toString(), QStringLiteral("9.0"));

        // The lag chart: one series per group, with the history's points.
        ui::MetricChart *lag = flows->chart(QStringLiteral("Consumer lag"));
        QVERIFY(lag);
        QTRY_VERIFY(lag->plot()->graphCount() == 2 && lag->plot()->graph(1)->data()->size() == 3);
        QCOMPARE(lag->plot()->graph(1)->name(), QStringLiteral("shipping"));
        QCOMPARE((lag->plot()->graph(1)->data()->constEnd() - 1)->value, 700.0);
        // The flow's lag threshold is drawn as a line with its label.
        QTRY_COMPARE(lag->plot()->itemCount(), 2);
        auto *line = qobject_cast<QCPItemStraightLine *>(lag->plot()->item(0));
        QVERIFY(line);
        QCOMPARE(line->point1->coords().y(), 500.0);

        // Hovering the newest shipping point tells its exact value and time.
        const auto last = lag->plot()->graph(1)->data()->constEnd() - 1;
        const QPointF pixel(lag->plot()->xAxis->coordToPixel(last->key), lag->plot()->yAxis->coordToPixel(last->value));
        const QString tip = lag->toolTipAt(pixel);
        QVERIFY2(tip.startsWith(QStringLiteral("shipping\n700 messages\n")), qPrintable(tip));

        // Range: 24 hours widens the axis; paused charts do not move.
        flows->setRange(4);
        QTRY_COMPARE(qRound(lag->plot()->xAxis->range().size()), 24 * 3600);
        flows->setFollowing(false);
        const double upper = lag->plot()->xAxis->range().upper;
        window.applySnapshot(snapshot(t0 + 90000, 1900, 1900, 900, 16));
        flows->replotIfDirty(); // what the window's replot timer runs: paused, the page leaves its charts alone
        QCOMPARE(lag->plot()->xAxis->range().upper, upper);
        lag->replotIfDirty(); // and a paused chart redrawn for its new data keeps its range
        QCOMPARE(lag->plot()->xAxis->range().upper, upper);
        flows->setFollowing(true);
        flows->setRange(0);
        QTRY_VERIFY(lag->plot()->xAxis->range().upper > upper);

        // Exports.
        QTemporaryDir dir;
        QVERIFY(lag->exportPng(dir.filePath(QStringLiteral("lag.png"))));
        QVERIFY(!QImage(dir.filePath(QStringLiteral("lag.png"))).isNull());
        QVERIFY(lag->exportPdf(dir.filePath(QStringLiteral("lag.pdf"))));
        QFile pdf(dir.filePath(QStringLiteral("lag.pdf")));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        QVERIFY(lag->exportCsv(dir.filePath(QStringLiteral("lag.csv"))));
        QFile csv(dir.filePath(QStringLiteral("lag.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
        const QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.first(), QStringLiteral("time_utc,\"billing\",\"shipping\""));
        QCOMPARE(lines.size(), 5);
        QCOMPARE(lines.last(), QDateTime::fromMSecsSinceEpoch(t0 + 90000, Qt::UTC).toString(Qt::ISODateWithMs) + QStringLiteral(",0,1000"));
        QVERIFY(!lag->exportCsv(QStringLiteral("/proc/nope/lag.csv")));

        // Health: the status bar light and the Connections page.
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
        window.showPage(2);
        auto *connections = window.findChild<QTableView *>(QStringLiteral("connectionsView"));
        QVERIFY(connections->isVisible());
        QCOMPARE(connections->model()->rowCount(), 1);
        QCOMPARE(connections->model()->index(0, 2).data().toString(), QStringLiteral("ok"));

        const QString png = dir.filePath(QStringLiteral("window.png"));
        QString error;
        QVERIFY2(window.saveScreenshot(png, &error), qPrintable(error));
        QCOMPARE(QImage(png).size(), window.grab().size());
        QVERIFY(!window.saveScreenshot(QStringLiteral("/proc/nope/window.png"), &error));
        QCOMPARE(error, QStringLiteral("cannot write the screenshot to /proc/nope/window.png"));
    }

    // The Flows page's dead-letter tab: failure groups of the shown flow,
    // most frequent first, and the topic's decode errors in words.
    void deadLetterTextIsShownAsPlainText()
    {
        ui::MainWindow window;
        ui::FlowsPage *flows = nullptr;
        openOrdersOnFlowsPage(window, &flows);
        if (QTest::currentTestFailed())
            return;

        // Whoever writes to the dead-letter topic writes these texts.
        const QString html = QStringLiteral("<img src=x><b>bold</b>");
        models::DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        models::RawMessage raw;
        raw.topic = QStringLiteral("orders.dlq");
        raw.offset = 1;
        raw.timestampMs = 1'795'700'000'000;
        models::DecodedEnvelope decoded;
        decoded.eventId = QStringLiteral("evt ") + html;
        decoded.consumerGroup = html;
        decoded.errorClass = QStringLiteral("Poison");
        decoded.error = QStringLiteral("amount ") + html;
        decoded.problems << models::FieldProblem{models::EnvelopeField::Attempt, QStringLiteral("header ") + html};
        digest.add(raw, decoded);
        window.applyDeadLetters(digest);

        auto *label = flows->findChild<QLabel *>(QStringLiteral("decodeErrors"));
        QVERIFY(label);
        QCOMPARE(label->textFormat(), Qt::PlainText);
        QVERIFY2(label->text().contains(QStringLiteral("header ") + html), qPrintable(label->text()));
        QVERIFY2(label->toolTip().contains(QStringLiteral("header &lt;img src=x&gt;&lt;b&gt;bold&lt;/b&gt;")),
                 qPrintable(label->toolTip()));
        QVERIFY(!label->toolTip().contains(QStringLiteral("<img")));

        QAbstractItemModel *model = flows->failuresView()->model();
        QCOMPARE(model->rowCount(), 1);
        QVERIFY(model->index(0, models::FailureTableModel::Failure).data().toString().endsWith(html));
        QCOMPARE(model->index(0, models::FailureTableModel::ConsumerGroups).data().toString(), html);
        const QString tip = model->index(0, models::FailureTableModel::Failure).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("&lt;img src=x&gt;")) && !tip.contains(QStringLiteral("<img")), qPrintable(tip));

        // The Overview card quotes the top failure escaped inside its own markup.
        const QString failure = window.overviewPage()->card(QStringLiteral("orders"))->figureText(QStringLiteral("failure"));
        QVERIFY2(failure.contains(QStringLiteral("&lt;img src=x&gt;")) && !failure.contains(QStringLiteral("<img")), qPrintable(failure));
    }

    void showsDeadLetterFailuresAndDecodeErrors()
    {
        ui::MainWindow window;
        ui::FlowsPage *flows = nullptr;
        openOrdersOnFlowsPage(window, &flows);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(flows->decodeErrorsText().startsWith(QStringLiteral("No dead letters read")));

        models::DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        auto add = [&](int i, const QString &errorClass, const QString &trace, bool broken) {
            models::RawMessage raw;
            raw.topic = QStringLiteral("orders.dlq");
            raw.partition = i % 2;
            raw.offset = i;
            raw.timestampMs = 1'795'700'000'000 + i * 1000;
            models::DecodedEnvelope decoded;
            decoded.eventId = QStringLiteral("evt-%1").arg(i);
            decoded.consumerGroup = i % 3 ? QStringLiteral("billing") : QStringLiteral("shipping");
            decoded.errorClass = errorClass;
            decoded.error = QStringLiteral("order %1 failed").arg(i);
            decoded.stackTrace = trace;
            if (broken)
                decoded.problems << models::FieldProblem{models::EnvelopeField::Attempt, QStringLiteral("header attempt is 3 bytes")};
            digest.add(raw, decoded);
        };
        for (int i = 0; i < 7; ++i)
            add(i, QStringLiteral("IllegalStateException"),
                QStringLiteral("java.lang.IllegalStateException: order %1\n\tat com.acme.Billing.charge(Billing.java:10)").arg(i), i == 6);
        for (int i = 7; i < 10; ++i)
            add(i, QStringLiteral("TimeoutException"), QString(), false);
        window.applyDeadLetters(digest);

        QTableView *view = flows->failuresView();
        auto *tabs = window.findChild<QTabWidget *>(QStringLiteral("flowTabs"));
        QVERIFY(tabs);
        QCOMPARE(tabs->tabText(1), QStringLiteral("Dead-letter failures (2)"));
        tabs->setCurrentIndex(1);
        QVERIFY(view->isVisible());
        QAbstractItemModel *model = view->model();
        QCOMPARE(model->rowCount(), 2);
        QCOMPARE(model->index(0, 0).data().toString(), QStringLiteral("java.lang.IllegalStateException at com.acme.Billing.charge"));
        QCOMPARE(model->index(0, 1).data().toString(), QStringLiteral("7"));
        QCOMPARE(model->index(0, 2).data().toString(), QStringLiteral("70.0 %"));
        QCOMPARE(model->index(0, 3).data().toString(), QStringLiteral("billing, shipping"));
        QCOMPARE(model->index(1, 1).data().toString(), QStringLiteral("3"));
        QVERIFY(model->index(1, 0).data().toString().startsWith(QStringLiteral("TimeoutException")));
        const QString text = flows->decodeErrorsText();
        QVERIFY2(text.contains(QStringLiteral("orders.dlq: 10 dead letters read")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Decode errors: 1 could not")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("could not read attempt: header attempt is 3 bytes")), qPrintable(text));
        window.grab().save(QDir::temp().filePath(QStringLiteral("idem-flows-failures.png")));

        // The Overview card names the top failure and the decode errors.
        const QString failure = window.overviewPage()->card(QStringLiteral("orders"))->figureText(QStringLiteral("failure"));
        QVERIFY2(failure.contains(QStringLiteral("Top failure: <b>java.lang.IllegalStateException at com.acme.Billing.charge</b> (7 of 10 dead letters read)")),
                 qPrintable(failure));
        QVERIFY2(failure.contains(QStringLiteral("1 decode error")), qPrintable(failure));

        // Sorting by count, ascending, through the header.
        view->sortByColumn(1, Qt::AscendingOrder);
        QCOMPARE(model->index(0, 1).data().toString(), QStringLiteral("3"));

        // A changed configuration: every flow is forgotten, and the renamed
        // one comes back alone.
        window.resetConnections();
        QVERIFY(!window.overviewPage()->card(QStringLiteral("orders")));
        QVERIFY(flows->currentFlow().isEmpty());
        QCOMPARE(flows->partitionsView()->model()->rowCount(), 0);
        QCOMPARE(model->rowCount(), 0);
        QVERIFY(flows->decodeErrorsText().startsWith(QStringLiteral("No dead letters read")));
        models::LagSnapshot renamed = snapshot(1'795'700'010'000, 120, 110, 100, 3);
        for (auto &p : renamed.partitions)
            p.flow = QStringLiteral("purchases");
        for (auto &t : renamed.topics)
            t.flow = QStringLiteral("purchases");
        window.applySnapshot(renamed);
        QVERIFY(window.overviewPage()->card(QStringLiteral("purchases")));
        QVERIFY(!window.overviewPage()->card(QStringLiteral("orders")));
        QCOMPARE(flows->currentFlow(), QStringLiteral("purchases"));
        QCOMPARE(flows->partitionsView()->model()->rowCount(), 2);
    }

    // A flow whose groups keep up (status OK) while a figure is above its
    // threshold: the badge says both, in the warning colour, never a plain
    // green OK beside a red figure.
    // The title names the environment and the file once each, ending with
    // the application's name so the window system adds it no second time.
    // A hundred flows: the one STALLED flow comes first, a flow with figures
    // above threshold next, the rest in natural order (f2 before f10); the
    // filter keeps the order among the flows it shows.
    void overviewPutsTroubleFirst()
    {
        ui::OverviewPage page(nullptr);
        page.setView(ui::OverviewPage::View::Cards); // a hundred flows would show as a table
        QList<models::FlowFigures> flows;
        QMap<QString, QMap<QString, double>> thresholds;
        for (int i = 0; i < 100; ++i) {
            models::FlowFigures f;
            f.flow = QStringLiteral("f%1").arg(i);
            f.status = models::LagStatus::Ok;
            f.lag = 10;
            flows << f;
            thresholds[f.flow][QStringLiteral("lag")] = 500;
        }
        page.setThresholds(thresholds);
        page.apply(flows);
        QCOMPARE(page.shownFlows().mid(0, 12),
                 (QStringList{QStringLiteral("f0"), QStringLiteral("f1"), QStringLiteral("f2"), QStringLiteral("f3"),
                              QStringLiteral("f4"), QStringLiteral("f5"), QStringLiteral("f6"), QStringLiteral("f7"),
                              QStringLiteral("f8"), QStringLiteral("f9"), QStringLiteral("f10"), QStringLiteral("f11")}));

        flows[57].status = models::LagStatus::Stalled;
        flows[31].lag = 900; // above its threshold, status OK
        page.apply(flows);
        QCOMPARE(page.shownFlows().mid(0, 3), (QStringList{QStringLiteral("f57"), QStringLiteral("f31"), QStringLiteral("f0")}));
        // The first card is the grid's first cell, the second beside it.
        auto position = [&](const QString &flow) {
            ui::FlowCard *card = page.card(flow);
            auto *grid = qobject_cast<QGridLayout *>(card->parentWidget()->layout());
            int row = -1, column = -1, rows = 0, columns = 0;
            if (grid && grid->indexOf(card) >= 0)
                grid->getItemPosition(grid->indexOf(card), &row, &column, &rows, &columns);
            return QPair<int, int>(row, column);
        };
        QCOMPARE(position(QStringLiteral("f57")), (QPair<int, int>(0, 0)));
        QCOMPARE(position(QStringLiteral("f31")), (QPair<int, int>(0, 1)));
        QCOMPARE(position(QStringLiteral("f0")), (QPair<int, int>(1, 0)));

        page.setFilter(QStringLiteral("F5"));
        QCOMPARE(page.shownFlows(),
                 (QStringList{QStringLiteral("f57"), QStringLiteral("f5"), QStringLiteral("f50"), QStringLiteral("f51"),
                              QStringLiteral("f52"), QStringLiteral("f53"), QStringLiteral("f54"), QStringLiteral("f55"),
                              QStringLiteral("f56"), QStringLiteral("f58"), QStringLiteral("f59")}));
        QVERIFY(page.card(QStringLiteral("f0"))->isHidden());
        QCOMPARE(position(QStringLiteral("f0")), (QPair<int, int>(-1, -1)));
        page.setFilter(QString());
        QCOMPARE(page.shownFlows().size(), 100);
        QVERIFY(!page.card(QStringLiteral("f0"))->isHidden());
    }

    // Past a dozen flows the Overview is a table, one sparkline a row drawn
    // from the history, with no chart widget at all; chosen cards draw
    // charts only for the cards scrolled into view.
    void manyFlowsShowAsATableAndChartsOnlyInView()
    {
        models::MetricHistory history;
        ui::OverviewPage page(&history);
        page.resize(1300, 850);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QList<models::FlowFigures> flows;
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 100; ++i) {
            models::FlowFigures f;
            f.flow = QStringLiteral("f%1").arg(i);
            f.status = i == 57 ? models::LagStatus::Stalled : models::LagStatus::Ok;
            f.lag = 10;
            flows << f;
            for (int k = 0; k < 30; ++k)
                history.append(QStringLiteral("flow/%1/lag").arg(f.flow), t0 + k * 2000, k % 7);
        }
        page.apply(flows);
        QVERIFY(page.showsTable());
        QVERIFY(page.table()->isVisible());
        QCOMPARE(page.table()->model()->index(0, 0).data().toString(), QStringLiteral("f57"));
        QCoreApplication::processEvents();
        QVERIFY(page.findChildren<QCustomPlot *>().isEmpty());
        QVERIFY(!page.card(QStringLiteral("f0")));
        // The table draws: the sparkline column of the first row is not blank.
        const QRect cell = page.table()->visualRect(page.table()->model()->index(0, models::OverviewTableModel::Trend));
        const QImage shot = page.table()->viewport()->grab(cell).toImage();
        QSet<QRgb> colours;
        for (int x = 0; x < shot.width(); ++x)
            for (int y = 0; y < shot.height(); ++y)
                colours.insert(shot.pixel(x, y));
        QVERIFY2(colours.size() > 2, "the trend cell is blank");
        // Double-clicking a row opens its flow.
        QSignalSpy opened(&page, &ui::OverviewPage::flowOpened);
        emit page.table()->activated(page.table()->model()->index(0, 0));
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened[0][0].toString(), QStringLiteral("f57"));

        page.setView(ui::OverviewPage::View::Cards);
        QVERIFY(!page.showsTable());
        QVERIFY(page.card(QStringLiteral("f99")));
        auto withCharts = [&] {
            int n = 0;
            for (int i = 0; i < 100; ++i)
                n += page.card(QStringLiteral("f%1").arg(i))->hasCharts() ? 1 : 0;
            return n;
        };
        QTRY_VERIFY(withCharts() > 0);
        QVERIFY2(withCharts() <= 12, qPrintable(QString::number(withCharts())));
        QVERIFY(page.card(QStringLiteral("f57"))->hasCharts()); // the first card
        QVERIFY(!page.card(QStringLiteral("f99"))->hasCharts());
        // Scrolled to the end, the last cards get theirs.
        auto *scroll = page.findChild<QScrollArea *>();
        scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
        QTRY_VERIFY(page.card(QStringLiteral("f99"))->hasCharts());
        QVERIFY(withCharts() < 40);
        page.setView(ui::OverviewPage::View::Automatic);
        QVERIFY(page.showsTable());
    }

    // While the Flows page is hidden its partitions table is not re-sorted
    // every poll; shown, it is in order at once.
    void hiddenPartitionsTableIsInOrderWhenShown()
    {
        ui::MainWindow window;
        window.resize(1300, 850);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showPage(1);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 60000;
        window.applySnapshot(snapshot(t0, 1000, 990, 900, 0)); // shipping lags most
        auto *view = window.flowsPage()->findChild<QTableView *>(QStringLiteral("partitionsView"));
        QVERIFY(view);
        auto firstGroup = [&] {
            return view->model()->index(0, models::PartitionTableModel::Group).data().toString();
        };
        QCOMPARE(firstGroup(), QStringLiteral("shipping"));
        window.showPage(0); // the Flows page hidden
        window.applySnapshot(snapshot(t0 + 30000, 2000, 1000, 1990, 0)); // now billing does
        window.showPage(1);
        QCOMPARE(firstGroup(), QStringLiteral("billing"));
        QCOMPARE(view->model()->index(0, models::PartitionTableModel::Lag).data(models::PartitionTableModel::SortRole).toLongLong(), 1000);
    }

    void titleNamesEnvironmentAndFileOnce()
    {
        ui::MainWindow window;
        window.setSubject(QStringLiteral("sandbox"), QStringLiteral("/tmp/idem-sandbox-x1/idem.yaml"));
        QCOMPARE(window.windowTitle(), QStringLiteral("sandbox — idem.yaml — Idem"));
        QCOMPARE(window.windowFilePath(), QStringLiteral("/tmp/idem-sandbox-x1/idem.yaml"));
    }

    void okStatusBesideAFigureAboveItsThreshold()
    {
        ui::MainWindow window;
        window.setFlowThresholds({{QStringLiteral("orders"), {{QStringLiteral("lag"), 500}, {QStringLiteral("dead_letters"), 10}}}});
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 60000;
        // Both groups commit and catch up, still 600 behind.
        window.applySnapshot(snapshot(t0, 1000, 300, 300, 5));
        window.applySnapshot(snapshot(t0 + 30000, 1300, 700, 700, 5));
        window.applySnapshot(snapshot(t0 + 60000, 1600, 1000, 1000, 5));
        ui::FlowCard *card = window.overviewPage()->card(QStringLiteral("orders"));
        QVERIFY(card);
        QVERIFY(card->isAboveThreshold(QStringLiteral("lag")));
        QCOMPARE(card->statusText(), QStringLiteral("OK · lag above threshold"));
        QCOMPARE(card->badgeColor(), ui::statusColor(models::LagStatus::Warning));
        QVERIFY(card->badgeColor() != ui::statusColor(models::LagStatus::Ok));

        // Two figures above: both named.
        window.applySnapshot(snapshot(t0 + 90000, 1900, 1300, 1300, 20));
        QCOMPARE(card->statusText(), QStringLiteral("OK · lag, dead letters above threshold"));

        // Caught up and under every threshold: a plain green OK.
        window.applySnapshot(snapshot(t0 + 120000, 2000, 2000, 2000, 8));
        window.setFlowThresholds({{QStringLiteral("orders"), {{QStringLiteral("lag"), 500}, {QStringLiteral("dead_letters"), 100}}}});
        window.applySnapshot(snapshot(t0 + 150000, 2100, 2100, 2100, 8));
        QVERIFY(!card->isAboveThreshold(QStringLiteral("lag")));
        QCOMPARE(card->statusText(), QStringLiteral("OK"));
        QCOMPARE(card->badgeColor(), ui::statusColor(models::LagStatus::Ok));
    }

    // A group that is gone (a discovered one whose members left) leaves no
    // trace once absent for longer than the figures' window: no row, no
    // series, and its points' memory given back.
    void goneGroupLeavesNoTrace()
    {
        ui::MainWindow window;
        window.setPollInterval(1);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 3600000;
        window.applySnapshot(snapshot(t0, 1000, 990, 900, 10));
        window.applySnapshot(snapshot(t0 + 500, 1000, 990, 900, 10)); // every flow series made
        const qsizetype before = window.history().allocatedPoints();
        const QStringList namesBefore = window.history().names();

        models::LagSnapshot withConsole = snapshot(t0 + 1000, 1000, 990, 900, 10);
        withConsole.partitions.append({QStringLiteral("orders"), QStringLiteral("console-consumer-1"),
                                       QStringLiteral("orders.events"), 0, 500, 0, 1000, 2000});
        window.applySnapshot(withConsole);
        QVERIFY(window.history().series(QStringLiteral("group/orders/console-consumer-1/lag")));
        QVERIFY(window.history().allocatedPoints() > before);
        auto *table = window.flowsPage()->partitionsView()->model();
        QCOMPARE(table->rowCount(), 3);

        // Gone from the cluster: its row goes at once, its series after the window.
        window.applySnapshot(snapshot(t0 + 2000, 1000, 990, 900, 10));
        QCOMPARE(table->rowCount(), 2);
        QVERIFY(window.history().series(QStringLiteral("group/orders/console-consumer-1/lag")));
        window.applySnapshot(snapshot(t0 + 1000 + 5 * 60 * 1000, 1000, 990, 900, 10)); // last seen a window ago
        QVERIFY(window.history().series(QStringLiteral("group/orders/console-consumer-1/lag")));
        window.applySnapshot(snapshot(t0 + 1001 + 5 * 60 * 1000, 1000, 990, 900, 10));
        QVERIFY(!window.history().series(QStringLiteral("group/orders/console-consumer-1/lag")));
        QVERIFY(!window.history().series(QStringLiteral("group/orders/console-consumer-1/lag_seconds")));
        QCOMPARE(window.history().names(), namesBefore);
        QCOMPARE(window.history().allocatedPoints(), before);
        QCOMPARE(table->rowCount(), 2);
        // The groups still there keep their history.
        QCOMPARE(window.history().series(QStringLiteral("group/orders/billing/lag"))->size(), 6);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
