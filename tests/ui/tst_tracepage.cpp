// Proves the console traces from anywhere: Ctrl+F focuses the toolbar's
// search field, Enter opens the Trace page and shows the verdict, the steps
// and the hops in time order with the raw record one click away; bad input
// is refused with its reason and never reaches the source; Cancel stops the
// running trace; double-clicking a dead-letter failure traces its example;
// the event index's line shows only once the source reports one.

#include "models/envelope/deadletterdigest.h"
#include "models/envelope/failuretablemodel.h"
#include "models/trace/tracehopmodel.h"
#include "models/trace/tracesource.h"
#include "ui/mainwindow.h"
#include "ui/pages/flowspage.h"
#include "ui/pages/tracepage.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using namespace idem;

namespace {

// Answers every trace after a turn of the event loop with a found event.
class FakeSource final : public models::TraceSource
{
public:
    QList<models::TraceQuery> asked;
    int stops = 0;
    bool answer = true;

    quint64 trace(const models::TraceQuery &query) override
    {
        asked.append(query);
        const quint64 id = quint64(asked.size());
        QTimer::singleShot(0, this, [this, id, query] {
            models::TraceStep step{QStringLiteral("store billing"), models::TraceStep::State::Running, {}, 5, 40};
            emit progress(id, {step}, 10);
            if (!answer)
                return;
            models::TraceResult r;
            r.query = query;
            models::TraceHop produced;
            produced.kind = models::HopKind::Produced;
            produced.system = produced.topic = QStringLiteral("orders.events");
            produced.partition = 3;
            produced.offset = 1200;
            produced.time = QDateTime::fromMSecsSinceEpoch(1'795'700'000'000, Qt::UTC);
            models::RawMessage raw;
            raw.topic = produced.topic;
            raw.partition = 3;
            raw.offset = 1200;
            raw.value = QByteArray("{\"event_id\":\"") + query.eventId.toUtf8() + "\",\"n\":1}";
            raw.headers = {{"event_id", query.eventId.toUtf8()}};
            produced.record = raw;
            produced.payloadBytes = raw.value->size();
            models::TraceHop processed;
            processed.kind = models::HopKind::Processed;
            processed.system = QStringLiteral("billing");
            processed.attempt = 1;
            processed.time = produced.time.addSecs(1);
            r.hops = {produced, processed};
            step.state = models::TraceStep::State::Done;
            r.steps = {step};
            r.verdict = {QStringLiteral("processed"), QStringLiteral("Processed by billing (attempt 1).")};
            emit finished(id, r);
        });
        return id;
    }
    void stop() override { ++stops; }
    QStringList flows() const override { return {QStringLiteral("orders")}; }
};

} // namespace

class TestTracePage : public QObject
{
    Q_OBJECT

    // A main window tracing through `source`, shown.
    static void showWindow(ui::MainWindow &window, FakeSource &source)
    {
        window.setTraceSource(&source);
        window.resize(1300, 850);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
    }

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("idem-tests"));
        QStandardPaths::setTestModeEnabled(true);
    }

    void findsAnEventFromTheToolbar()
    {
        ui::MainWindow window;
        FakeSource source;
        showWindow(window, source);
        if (QTest::currentTestFailed())
            return;
        window.showPage(0);

        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        QLineEdit *search = window.traceSearch();
        QTRY_VERIFY(search->hasFocus());
        QTest::keyClicks(search, QStringLiteral("orders-3-1200"));
        QTest::keyClick(search, Qt::Key_Return);

        ui::TracePage *page = window.tracePage();
        QTRY_VERIFY(page->isVisible());
        QTRY_COMPARE(page->verdictCode(), QStringLiteral("processed"));
        QCOMPARE(source.asked.size(), 1);
        QCOMPARE(source.asked.first().eventId, QStringLiteral("orders-3-1200"));
        auto *verdict = page->findChild<QLabel *>(QStringLiteral("traceVerdict"));
        QCOMPARE(verdict->text(), QStringLiteral("Processed by billing (attempt 1)."));
        QCOMPARE(verdict->textFormat(), Qt::PlainText);
        auto *hops = page->findChild<QTableView *>(QStringLiteral("traceHops"));
        QAbstractItemModelTester tester(hops->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(hops->model()->rowCount(), 2);
        QCOMPARE(hops->model()->index(0, models::TraceHopModel::Hop).data().toString(), QStringLiteral("Produced"));
        QCOMPARE(hops->model()->index(0, models::TraceHopModel::Location).data().toString(), QStringLiteral("3@1200"));
        QCOMPARE(hops->model()->index(1, models::TraceHopModel::Hop).data().toString(), QStringLiteral("Processed"));
        // The record of the first hop on a topic is shown, its JSON pretty-printed.
        QVERIFY2(page->recordText().contains(QStringLiteral("\"event_id\": \"orders-3-1200\"")), qPrintable(page->recordText()));
        QVERIFY(page->recordText().contains(QStringLiteral("event_id: orders-3-1200")));
        QCOMPARE(page->recentSearches().first(), QStringLiteral("orders-3-1200"));
    }

    void badInputIsRefusedWithItsReason()
    {
        ui::MainWindow window;
        FakeSource source;
        showWindow(window, source);
        if (QTest::currentTestFailed())
            return;
        ui::TracePage *page = window.tracePage();
        auto *input = page->findChild<QLabel *>(QStringLiteral("traceInputError"));
        QVERIFY(!page->trace(QString()));
        QCOMPARE(input->text(), QStringLiteral("The event_id is empty: give the event_id to trace."));
        QVERIFY(!page->trace(QString(300, QLatin1Char('x'))));
        QVERIFY(input->text().contains(QStringLiteral("at most 256")));
        QVERIFY(!page->trace(QStringLiteral("a\u0007b")));
        QVERIFY(input->text().contains(QStringLiteral("control character")));
        auto *from = page->findChild<QLineEdit *>(QStringLiteral("traceFrom"));
        from->setText(QStringLiteral("last tuesday"));
        QVERIFY(!page->trace(QStringLiteral("fine-id")));
        QVERIFY(input->text().startsWith(QStringLiteral("From: \"last tuesday\" is not a time")));
        QVERIFY(source.asked.isEmpty());
        from->setText(QStringLiteral("-2h"));
        QVERIFY(page->trace(QStringLiteral("fine-id")));
        QVERIFY(input->isHidden());
        QCOMPARE(source.asked.size(), 1);
        QVERIFY(source.asked.first().from.isValid());
        QVERIFY(qAbs(source.asked.first().from.secsTo(QDateTime::currentDateTimeUtc()) - 7200) < 60);
    }

    void cancelStopsTheRunningTrace()
    {
        ui::TracePage page;
        FakeSource source;
        source.answer = false;
        page.setSource(&source);
        page.show();
        QVERIFY(page.trace(QStringLiteral("slow-one")));
        auto *cancel = page.findChild<QPushButton *>(QStringLiteral("traceCancel"));
        QVERIFY(cancel->isEnabled());
        auto *steps = page.findChild<QTreeWidget *>(QStringLiteral("traceSteps"));
        QTRY_COMPARE(steps->topLevelItemCount(), 1);
        QCOMPARE(steps->topLevelItem(0)->text(1), QStringLiteral("running"));
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(source.stops, 1);
    }

    void showsTheEventIndexLineWhenThereIsOne()
    {
        ui::TracePage page;
        FakeSource source;
        page.setSource(&source);
        page.show();
        auto *line = page.findChild<QLabel *>(QStringLiteral("traceIndex"));
        QVERIFY(line);
        QVERIFY(!line->isVisible()); // no ops database: no line
        const QString text = QStringLiteral("Event index: 36 partitions, 09:00–10:42 UTC, tailed by idem console on "
                                            "desk-7 (pid 42) as alice since 2026-12-01 09:00:03 UTC");
        emit source.indexSummaryChanged(text);
        QVERIFY(line->isVisible());
        QCOMPARE(line->text(), text);
        QCOMPARE(line->textFormat(), Qt::PlainText);
        page.setSource(nullptr); // another configuration: the line goes with its source
        QVERIFY(!line->isVisible());
    }

    void doubleClickingAFailureTracesItsExample()
    {
        ui::MainWindow window;
        FakeSource source;
        showWindow(window, source);
        if (QTest::currentTestFailed())
            return;
        models::LagSnapshot snapshot;
        snapshot.cluster = QStringLiteral("main");
        snapshot.takenAt = QDateTime::currentDateTimeUtc();
        snapshot.health.state = models::HealthState::Ok;
        snapshot.partitions.append({QStringLiteral("orders"), QStringLiteral("billing"), QStringLiteral("orders.events"), 0, 10, 0, 10, 0});
        window.applySnapshot(snapshot);
        window.showPage(1);
        ui::FlowsPage *flows = window.flowsPage();
        QTRY_COMPARE(flows->currentFlow(), QStringLiteral("orders"));
        models::DeadLetterDigest digest(QStringLiteral("orders"), QStringLiteral("orders.dlq"));
        models::RawMessage raw;
        raw.topic = QStringLiteral("orders.dlq");
        raw.offset = 1;
        raw.timestampMs = 1'795'700'000'000;
        models::DecodedEnvelope decoded;
        decoded.eventId = QStringLiteral("dead-one");
        decoded.consumerGroup = QStringLiteral("shipping");
        decoded.error = QStringLiteral("unsupported event_version 2");
        digest.add(raw, decoded);
        window.applyDeadLetters(digest);
        QTableView *view = flows->failuresView();
        QTRY_COMPARE(view->model()->rowCount(), 1);
        QCOMPARE(view->model()->index(0, models::FailureTableModel::ExampleEvent).data().toString(), QStringLiteral("dead-one"));
        emit view->doubleClicked(view->model()->index(0, models::FailureTableModel::Failure));
        QTRY_COMPARE(window.tracePage()->verdictCode(), QStringLiteral("processed"));
        QCOMPARE(source.asked.last().eventId, QStringLiteral("dead-one"));
        QVERIFY(window.tracePage()->isVisible());
    }
};

QTEST_MAIN(TestTracePage)
#include "tst_tracepage.moc"
