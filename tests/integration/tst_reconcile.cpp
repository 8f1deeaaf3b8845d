// Proves reconcile on the sandbox world with faults on and `lose` on: each
// class's count and event_ids per group are exactly those of an independent
// count (a separate librdkafka read of the topics and of the committed
// offsets, plain SQL on the stores); duplicate sends and redeliveries are
// copies, not differences; a row deleted in the test shows as missing and a
// row inserted as extra; a store that is down gives "could not check …"
// while the other group is reconciled; idemctl reconcile's exit statuses and
// refusals; and the Reconcile page, offscreen, runs a reconcile and follows a
// missing event to its trace.

#include "connectors/config/configfile.h"
#include "connectors/kafka/rdkafkahandles.h"
#include "connectors/reconcile/reconcilerunner.h"
#include "connectors/reconcile/reconcileservice.h"
#include "connectors/sandbox/sandboxworld.h"
#include "connectors/trace/traceservice.h"
#include "tests/support/stillworld.h"
#include "tests/support/topicreader.h"
#include "ui/mainwindow.h"
#include "ui/pages/reconcilepage.h"
#include "ui/pages/tracepage.h"

#include <librdkafka/rdkafka.h>
#include <pqxx/pqxx>

#include <QComboBox>
#include <QDateTimeEdit>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace idem;
using models::ReconcileClass;

namespace {

using ClassMap = QMap<QString, QStringList>; // class name -> sorted event_ids

// Committed offsets of `group` on every partition of `topic`, read by a plain
// consumer of that group id that never joins it.
QList<qint64> committedOffsets(const QString &bootstrap, const QString &group, const QString &topic, int partitions)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.toUtf8().constData(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group.toUtf8().constData(), err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p)
        rd_kafka_topic_partition_list_add(list, topic.toUtf8().constData(), p);
    QList<qint64> out(partitions, -1);
    if (rd_kafka_committed(rk, list, 20000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < list->cnt; ++i)
            out[list->elems[i].partition] = list->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
}

ClassMap classesOf(const models::GroupReconcile &g)
{
    ClassMap out;
    for (int i = 0; i < models::kReconcileClassCount; ++i) {
        QStringList ids = g.classes[size_t(i)].eventIds;
        ids.sort();
        out.insert(models::reconcileClassName(ReconcileClass(i)), ids);
        if (g.classes[size_t(i)].count != ids.size())
            out.insert(models::reconcileClassName(ReconcileClass(i)) + QStringLiteral("_count"),
                       {QString::number(g.classes[size_t(i)].count)});
    }
    return out;
}

} // namespace

class TestReconcile : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<connectors::sandbox::SandboxWorld> m_world;
    models::EnvironmentConfig m_env;
    QString m_bootstrap;
    QDateTime m_from;

    struct Copy
    {
        int partition;
        qint64 offset;
    };

    // What an independent count expects for `group` over [m_from, to).
    ClassMap expected(const QString &group, const QDateTime &to, qint64 *copies = nullptr)
    {
        const models::FlowConfig *flow = m_env.flow(QStringLiteral("orders"));
        const models::ConsumerGroupConfig *g = flow->group(group);
        const models::StoreConfig *store = m_env.store(g->store);
        QMap<QString, QList<Copy>> events;
        qint64 messages = 0;
        for (const auto &r : testsupport::readTopic(m_bootstrap, QStringLiteral("orders.events"))) {
            if (r.timestampMs < m_from.toMSecsSinceEpoch() || r.timestampMs >= to.toMSecsSinceEpoch())
                continue;
            ++messages;
            events[QString::fromUtf8(r.header("event_id"))].append({r.partition, r.offset});
        }
        if (copies)
            *copies = messages - events.size();
        QSet<QString> deadLettered;
        for (const auto &r : testsupport::readTopic(m_bootstrap, QStringLiteral("orders.dlq"))) {
            if (r.header("consumer_group") == group.toUtf8())
                deadLettered.insert(QString::fromUtf8(r.header("event_id")));
        }
        const QList<qint64> committed = committedOffsets(m_bootstrap, group, QStringLiteral("orders.events"), 6);
        QHash<QString, QString> logical;
        for (const QString &l : models::outcomeNames())
            logical.insert(store->outcomeValue(l), l);
        QHash<QString, QString> status;
        QHash<QString, QString> entity;
        QStringList inWindow;
        pqxx::connection conn(m_world->adminConnection(g->store).toStdString());
        pqxx::read_transaction tx(conn);
        auto q = [&](const char *n) { return tx.quote_name(store->registry.column(QString::fromLatin1(n)).toStdString()); };
        for (const auto &row : tx.exec("SELECT " + q("event_id") + ", " + q("status") + ", " + q("entity_key") + ", "
                                       + q("event_type") + ", " + q("first_seen_at") + " >= " + tx.quote(m_from.toString(Qt::ISODateWithMs).toStdString())
                                       + "::timestamptz AND " + q("first_seen_at") + " < "
                                       + tx.quote(to.toString(Qt::ISODateWithMs).toStdString()) + "::timestamptz FROM "
                                       + tx.quote_name(store->registry.table.toStdString()))) {
            const QString id = QString::fromStdString(row[0].as<std::string>());
            const QString s = QString::fromStdString(row[1].as<std::string>());
            status.insert(id, logical.value(s, s));
            entity.insert(id, QString::fromStdString(row[2].as<std::string>("")) + QChar(0) + QString::fromStdString(row[3].as<std::string>("")));
            if (row[4].as<bool>())
                inWindow << id;
        }
        ClassMap out;
        for (int i = 0; i < models::kReconcileClassCount; ++i)
            out.insert(models::reconcileClassName(ReconcileClass(i)), {});
        QHash<QString, QStringList> byEntity;
        for (auto it = events.cbegin(); it != events.cend(); ++it) {
            const QString &id = it.key();
            QString cls;
            const QString s = status.value(id);
            if (s == QLatin1String("processed") || s == QLatin1String("duplicate_skipped"))
                cls = QStringLiteral("processed");
            else if (s == QLatin1String("dead_lettered") || deadLettered.contains(id))
                cls = QStringLiteral("dead_lettered");
            else if (!s.isEmpty())
                cls = QStringLiteral("in_retry");
            else {
                bool past = false;
                for (const Copy &c : it.value())
                    past = past || committed[c.partition] > c.offset;
                cls = past ? QStringLiteral("missing") : QStringLiteral("pending");
            }
            out[cls].append(id);
            if (!s.isEmpty() && !entity.value(id).startsWith(QChar(0)) && !entity.value(id).endsWith(QChar(0)))
                byEntity[entity.value(id)].append(id);
        }
        for (const QString &id : std::as_const(inWindow)) {
            if (!events.contains(id)) {
                out[QStringLiteral("extra")].append(id);
                if (!entity.value(id).startsWith(QChar(0)) && !entity.value(id).endsWith(QChar(0)))
                    byEntity[entity.value(id)].append(id);
            }
        }
        for (const QStringList &ids : std::as_const(byEntity)) {
            if (ids.size() > 1)
                out[QStringLiteral("logical_duplicates")] += ids;
        }
        for (QStringList &ids : out)
            ids.sort();
        return out;
    }

    models::ReconcileReport reconcile(const models::EnvironmentConfig &env, const QDateTime &to,
                                      connectors::reconcile::ReconcileOptions options = {})
    {
        connectors::reconcile::ReconcileRunner runner(env, options);
        return runner.run({QStringLiteral("orders"), m_from, to}, connectors::PollControl::within(std::chrono::seconds(120)));
    }

    static const models::GroupReconcile *group(const models::ReconcileReport &r, const QString &name)
    {
        for (const auto &g : r.groups) {
            if (g.group == name)
                return &g;
        }
        return nullptr;
    }

    int idemctl(const QStringList &args, QByteArray *out, QByteArray *err = nullptr)
    {
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), QStringList{QStringLiteral("--config"), m_world->configPath(), QStringLiteral("reconcile")} + args);
        if (!p.waitForFinished(120000))
            return -1;
        *out = p.readAllStandardOutput();
        if (err)
            *err = p.readAllStandardError();
        return p.exitCode();
    }

private slots:
    void initTestCase()
    {
        using connectors::sandbox::Fault;
        m_from = QDateTime::currentDateTimeUtc().addSecs(-1);
        testsupport::startStillWorld(m_world, m_dir, std::chrono::seconds(10), 11,
                                     {Fault::DuplicateSends, Fault::Redelivery, Fault::Poison, Fault::SchemaBump, Fault::Lose});
        if (QTest::currentTestFailed())
            return;
        auto config = connectors::loadConfig(m_world->configPath());
        QVERIFY2(config.ok(), qPrintable(config.error()));
        m_env = config->environments.first();
        m_bootstrap = m_world->bootstrapServers();
        QVERIFY(m_world->summary().value(QStringLiteral("lost")).toInteger() > 0);
    }

    void classesMatchAnIndependentCount()
    {
        const QDateTime to = QDateTime::currentDateTimeUtc();
        const models::ReconcileReport r = reconcile(m_env, to);
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QVERIFY2(r.sourceComplete(), qPrintable(r.sourceNote));
        QCOMPARE(r.groups.size(), 2);
        qint64 missing = 0;
        qint64 deadLettered = 0;
        for (const QString &name : {QStringLiteral("billing"), QStringLiteral("shipping")}) {
            qint64 copies = 0;
            const ClassMap want = expected(name, to, &copies);
            const models::GroupReconcile *g = group(r, name);
            QVERIFY(g);
            QVERIFY2(g->checked(), qPrintable(g->error));
            QCOMPARE(classesOf(*g), want);
            QCOMPARE(g->copies, copies);
            QVERIFY2(copies > 0, "duplicate sends make copies");
            QCOMPARE(g->of(ReconcileClass::Extra).count, 0); // copies and redeliveries are no differences
            deadLettered += g->of(ReconcileClass::DeadLettered).count;
            missing += g->of(ReconcileClass::Missing).count;
            if (g->of(ReconcileClass::Missing).count > 0)
                QVERIFY2(g->verdict.contains(QStringLiteral("missing — committed past, no row: likely lost by ") + name), qPrintable(g->verdict));
        }
        QVERIFY2(missing > 0, "the lose fault loses events");
        QVERIFY2(deadLettered > 0, "poison and schema bumps are dead-lettered");
        QVERIFY(!r.reconciled());
    }

    void deletedRowIsMissingInsertedRowIsExtra()
    {
        const QDateTime before = QDateTime::currentDateTimeUtc();
        const models::GroupReconcile was = *group(reconcile(m_env, before), QStringLiteral("billing"));
        const QString victim = was.of(ReconcileClass::Processed).eventIds.value(7);
        QVERIFY(!victim.isEmpty());
        {
            pqxx::connection conn(m_world->adminConnection(QStringLiteral("billing")).toStdString());
            pqxx::work tx(conn);
            tx.exec_params0("DELETE FROM processed_events WHERE event_id = $1", victim.toStdString());
            tx.exec_params0("INSERT INTO processed_events (event_id, entity_key, event_type, event_version, status, attempts, processed_at, result) "
                            "VALUES ('made-up-1', 'o-nowhere', 'order.created', 1, 'processed', 1, now(), 'by hand')");
            tx.commit();
        }
        const QDateTime to = QDateTime::currentDateTimeUtc().addSecs(1);
        const models::ReconcileReport r = reconcile(m_env, to);
        const models::GroupReconcile *g = group(r, QStringLiteral("billing"));
        QVERIFY(g);
        QCOMPARE(classesOf(*g), expected(QStringLiteral("billing"), to));
        QVERIFY(g->of(ReconcileClass::Missing).eventIds.contains(victim));
        QCOMPARE(g->of(ReconcileClass::Missing).count, was.of(ReconcileClass::Missing).count + 1);
        QCOMPARE(g->of(ReconcileClass::Extra).eventIds, QStringList{QStringLiteral("made-up-1")});
        QVERIFY2(g->extraExplanation.contains(QStringLiteral("produced elsewhere")), qPrintable(g->extraExplanation));
    }

    void extraRowsSearchedBySliceOrWholeAgree()
    {
        // Extra rows are searched only in the first-seen slices where a store
        // holds more rows than were found for the window's events; searching
        // the whole window against every event_id (slices 0) must find the
        // same, and so must one slice, tiny slices and small id batches.
        {
            pqxx::connection conn(m_world->adminConnection(QStringLiteral("billing")).toStdString());
            pqxx::work tx(conn);
            tx.exec0("INSERT INTO processed_events (event_id, entity_key, event_type, event_version, status, attempts, "
                     "first_seen_at, processed_at, result) VALUES "
                     "('made-up-2', 'o-1', 'order.created', 1, 'processed', 1, now() - interval '2 seconds', now(), 'by hand'), "
                     "('made-up-3', 'o-nowhere', 'order.created', 1, 'failed', 1, now() - interval '1 second', now(), 'by hand')");
            tx.commit();
        }
        const QDateTime to = QDateTime::currentDateTimeUtc().addSecs(1);
        auto json = [&](connectors::reconcile::ReconcileOptions options) {
            options.idCap = 1'000'000;
            QJsonObject o = models::reconcileToJson(reconcile(m_env, to, options), 1'000'000, true);
            o.remove(QStringLiteral("elapsed_ms"));
            return o;
        };
        connectors::reconcile::ReconcileOptions whole; // the plain way: every id on its own, the whole window
        whole.slices = 0;
        whole.idRanges = false;
        const QJsonObject want = json(whole);
        QVERIFY(!want.contains(QStringLiteral("error")));
        const QJsonArray groups = want.value(QStringLiteral("groups")).toArray();
        QCOMPARE(groups.size(), 2);
        QCOMPARE(groups[0].toObject().value(QStringLiteral("group")).toString(), QStringLiteral("billing"));
        const QJsonArray extra = groups[0].toObject().value(QStringLiteral("event_ids")).toObject().value(QStringLiteral("extra")).toArray();
        QVERIFY(extra.contains(QStringLiteral("made-up-2")) && extra.contains(QStringLiteral("made-up-3")));
        for (const int slices : {4096, 1, 1'000'000}) {
            connectors::reconcile::ReconcileOptions options;
            options.slices = slices;
            options.batch = slices == 1 ? 7 : 20'000;
            QCOMPARE(json(options), want);
        }
        // Each id looked up on its own, or batches read as ranges of the index where they fill them.
        for (const int batch : {5, 200}) {
            connectors::reconcile::ReconcileOptions options;
            options.batch = batch;
            QCOMPARE(json(options), want);
        }
    }

    void storeDownOthersReconciled()
    {
        models::EnvironmentConfig env = m_env;
        for (auto &s : env.stores) {
            if (s.name == QLatin1String("shipping"))
                s.connection = QStringLiteral("host=127.0.0.1 port=1 dbname=shipping user=idem_reader connect_timeout=2");
        }
        const QDateTime to = QDateTime::currentDateTimeUtc();
        const models::ReconcileReport r = reconcile(env, to);
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        const models::GroupReconcile *shipping = group(r, QStringLiteral("shipping"));
        QVERIFY(shipping && !shipping->checked());
        QVERIFY2(shipping->verdict.startsWith(QStringLiteral("could not check shipping: ")), qPrintable(shipping->verdict));
        const models::GroupReconcile *billing = group(r, QStringLiteral("billing"));
        QVERIFY(billing && billing->checked());
        QCOMPARE(classesOf(*billing), expected(QStringLiteral("billing"), to));
        QVERIFY(!r.complete());
    }

    void idemctlReconcile()
    {
        QByteArray out, err;
        const QString from = m_from.toString(Qt::ISODateWithMs);
        QCOMPARE(idemctl({QStringLiteral("--flow"), QStringLiteral("orders"), QStringLiteral("--from"), from, QStringLiteral("--json")}, &out, &err), 4);
        const QJsonObject j = QJsonDocument::fromJson(out).object();
        QCOMPARE(j.value("flow").toString(), QStringLiteral("orders"));
        QVERIFY(!j.value("reconciled").toBool());
        const QJsonArray groups = j.value("groups").toArray();
        QCOMPARE(groups.size(), 2);
        for (const auto &g : groups) {
            const QJsonObject o = g.toObject();
            QVERIFY(!o.value("event_ids").toObject().contains("processed"));
            QVERIFY(o.value("event_ids").toObject().value("missing").toArray().size() <= 100);
            QCOMPARE(o.value("counts").toObject().value("missing").toInteger() > 0,
                     !o.value("event_ids").toObject().value("missing").toArray().isEmpty());
        }
        // Refused clearly.
        QCOMPARE(idemctl({QStringLiteral("--flow"), QStringLiteral("orders"), QStringLiteral("--from"), QStringLiteral("2999-01-01T00:00Z"),
                          QStringLiteral("--to"), QStringLiteral("2999-01-02T00:00Z")}, &out, &err), 2);
        QVERIFY2(err.contains("the window starts in the future"), err.constData());
        QCOMPARE(idemctl({QStringLiteral("--flow"), QStringLiteral("orders"), QStringLiteral("--from"), QStringLiteral("-1h"),
                          QStringLiteral("--to"), QStringLiteral("-2h")}, &out, &err), 2);
        QVERIFY2(err.contains("--from must be before --to"), err.constData());
        QCOMPARE(idemctl({}, &out, &err), 2);
        QVERIFY2(err.contains("reconcile needs --flow NAME; flows: orders, payments"), err.constData());
        // An empty window: nothing there, said so, reconciled.
        QCOMPARE(idemctl({QStringLiteral("--flow"), QStringLiteral("orders"), QStringLiteral("--from"), QStringLiteral("2020-01-01T00:00Z"),
                          QStringLiteral("--to"), QStringLiteral("2020-01-01T01:00Z")}, &out, &err), 0);
        QVERIFY2(out.contains("no messages on orders.events between 2020-01-01T00:00:00.000Z and 2020-01-01T01:00:00.000Z"), out.constData());
    }

    void pageFollowsMissingEventToItsTrace()
    {
        connectors::reconcile::ReconcileService service(m_env);
        connectors::trace::TraceService tracer(m_env);
        ui::MainWindow window;
        window.setTraceSource(&tracer);
        auto *page = new ui::ReconcilePage;
        window.addPage(QStringLiteral("Reconcile"), page);
        QObject::connect(page, &ui::ReconcilePage::traceRequested, &window, &ui::MainWindow::openTrace);
        page->setSource(&service);
        window.resize(1400, 900);
        window.show();
        page->setWindow(m_from, QDateTime::currentDateTimeUtc());
        page->selectFlow(QStringLiteral("orders"));
        QTest::mouseClick(page->runButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->model()->rowCount() == 2, 120000);
        // The missing count of a group that lost events: click it, then its first event_id.
        const int column = models::ReconcileTableModel::FirstClass + int(ReconcileClass::Missing);
        int row = -1;
        for (int r = 0; r < 2; ++r) {
            if (page->model()->index(r, column).data(Qt::UserRole).toLongLong() > 0)
                row = r;
        }
        QVERIFY(row >= 0);
        QTableView *table = page->table();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(page->model()->index(row, column)).center());
        QListWidget *ids = page->eventList();
        QVERIFY(ids->count() > 0);
        const QString id = ids->item(0)->text();
        QCOMPARE(id, page->model()->report().groups[row].of(ReconcileClass::Missing).eventIds.first());
        QSignalSpy asked(page, &ui::ReconcilePage::traceRequested);
        const QPoint at = ids->visualItemRect(ids->item(0)).center();
        QTest::mouseClick(ids->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseDClick(ids->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(asked.size(), 1);
        QTRY_VERIFY(window.tracePage()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(!window.tracePage()->isRunning() && window.tracePage()->result().query.eventId == id, 60000);
        QVERIFY2(!window.tracePage()->verdictCode().isEmpty(), qPrintable(window.tracePage()->verdictText()));
    }
};

QTEST_MAIN(TestReconcile)
#include "tst_reconcile.moc"
