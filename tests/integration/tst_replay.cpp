// Proves a replay of the sandbox's dead letters through idemctl is requested
// by one person, approved by another, executed exactly once and confirmed in
// the stores: the transient-outage dead letters, replayed, are processed by
// billing and the request reaches done; replayed again they are skipped as
// already processed; approved with the override and executed by an idemctl
// killed with SIGKILL mid-run, then claimed by another person, each item is
// on the topic exactly once, counted by a separate consumer. Refusals exit
// with 2 and the database's reason.

#include "tests/support/topicreader.h"
#include "tests/support/topicwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

#include <csignal>

#include <sys/stat.h>

using idem::testsupport::readTopic;
using idem::testsupport::Record;

class TestReplay : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_sandbox;
    QString m_config;
    QString m_bootstrap;
    QString m_offsets; // every dead letter of orders.dlq, TOPIC:PARTITION:OFFSET,…
    int m_letters = 0;
    QString m_synthetic; // dead letters of events no consumer has seen
    int m_syntheticCount = 0;

    struct Ctl
    {
        int exit = -1;
        QJsonObject json;
        QString out;
        QString err;
    };

    Ctl ctl(const QString &user, const QStringList &args, int timeoutMs = 120000)
    {
        QProcess p;
        p.start(QStringLiteral(IDEMCTL), QStringList{QStringLiteral("--config"), m_config, QStringLiteral("--user"), user} + args);
        Ctl r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            r.err = QStringLiteral("timed out");
            return r;
        }
        r.exit = p.exitCode();
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        r.json = QJsonDocument::fromJson(r.out.toUtf8()).object();
        return r;
    }

    qint64 request(const QString &reason, int expectSend, int expectSkip, const QString &offsets = {})
    {
        const Ctl r = ctl(QStringLiteral("alice"), {QStringLiteral("replay"), QStringLiteral("request"), QStringLiteral("--flow"),
                                                     QStringLiteral("orders"), QStringLiteral("--offsets"),
                                                     offsets.isEmpty() ? m_offsets : offsets,
                                                     QStringLiteral("--reason"), reason, QStringLiteral("--json")});
        if (r.exit != 0) {
            qWarning("replay request: %s", qPrintable(r.err));
            return -1;
        }
        if (r.json.value(QStringLiteral("send")).toInt() != expectSend
            || r.json.value(QStringLiteral("skip")).toInt() != expectSkip) {
            qWarning("dry run: %s", qPrintable(r.out));
            return -1;
        }
        return r.json.value(QStringLiteral("id")).toInteger();
    }

    // item -> how many records on orders.events carry its provenance.
    QMap<int, int> replayedCopies(qint64 id)
    {
        QMap<int, int> copies;
        for (const Record &r : readTopic(m_bootstrap, QStringLiteral("orders.events"))) {
            if (r.header("idem-replay-request") == QByteArray::number(id))
                ++copies[r.header("idem-replay-item").toInt()];
        }
        return copies;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        ::chmod(m_dir.path().toLocal8Bit().constData(), 0711); // as root, postgres must enter it
        m_sandbox.setProgram(QStringLiteral(IDEM_SANDBOX));
        // Only billing's gateway outage: from 15 s for 3.8 s, longer than its retries
        // (once an hour, so once in this test); late enough for the consumers to
        // have joined their groups on a busy machine.
        m_sandbox.setArguments({QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--rate"), QStringLiteral("30"), QStringLiteral("--faults"),
                                QStringLiteral("outage"), QStringLiteral("--retry-delays"), QStringLiteral("0.5,0.5,0.5"),
                                QStringLiteral("--log-level"), QStringLiteral("warn")});
        m_sandbox.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_sandbox.start();
        QVERIFY(m_sandbox.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_sandbox.canReadLine() || m_sandbox.state() != QProcess::Running, 90000);
        const QString ready = QString::fromUtf8(m_sandbox.readLine()).trimmed();
        QVERIFY2(ready.startsWith(QStringLiteral("READY /")), qPrintable(ready));
        m_config = ready.mid(6);
        const QString status = m_dir.filePath(QStringLiteral("status.json"));
        // The world keeps running (its consumers process the replays); the
        // outage and the retries it caused are over 21 s into it.
        auto uptime = [&] {
            QFile f(status);
            f.open(QIODevice::ReadOnly);
            return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("uptime_s")).toDouble();
        };
        QTRY_VERIFY_WITH_TIMEOUT(uptime() > 21, 120000);
        QFile config(m_config);
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(config.readAll());
        const auto m = QRegularExpression(QStringLiteral("bootstrap.servers: *\"?([^\"\\n]+)")).match(text);
        QVERIFY2(m.hasMatch(), qPrintable(text));
        m_bootstrap = m.captured(1).trimmed();
        // A consumer that lags behind may dead-letter after the outage ends.
        auto deadLettered = [&] {
            qint64 n = 0;
            for (const auto &w : idem::testsupport::watermarks(m_bootstrap, QStringLiteral("orders.dlq")))
                n += w.high - w.low;
            return n;
        };
        QTRY_VERIFY_WITH_TIMEOUT(deadLettered() > 0, 30000);
        QStringList offsets;
        for (const Record &r : readTopic(m_bootstrap, QStringLiteral("orders.dlq"))) {
            QCOMPARE(r.header("consumer_group"), QByteArray("billing"));
            QVERIFY(r.header("error").contains("payment gateway unavailable"));
            offsets << QStringLiteral("orders.dlq:%1:%2").arg(r.partition).arg(r.offset);
        }
        m_letters = offsets.size();
        QVERIFY2(m_letters >= 1, "the outage dead-lettered nothing");
        m_offsets = offsets.join(QLatin1Char(','));

        // Dead letters of events no consumer has processed: copies of a real
        // order event under new event_ids, as billing would dead-letter them.
        const QList<Record> events = readTopic(m_bootstrap, QStringLiteral("orders.events"));
        QVERIFY(!events.isEmpty());
        QList<idem::testsupport::OutgoingRecord> letters;
        QSet<QByteArray> syntheticIds;
        m_syntheticCount = 40;
        for (int i = 0; i < m_syntheticCount; ++i) {
            const Record &model = events[i % events.size()];
            idem::testsupport::OutgoingRecord out;
            out.key = model.key;
            out.value = model.payload;
            out.partition = 0;
            const QByteArray eventId = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
            syntheticIds.insert(eventId);
            for (const auto &h : model.headers)
                out.headers.append({h.first, h.first == "event_id" ? eventId : h.second});
            out.headers.append({QByteArray("original_topic"), QByteArray("orders.events")});
            out.headers.append({QByteArray("consumer_group"), QByteArray("billing")});
            out.headers.append({QByteArray("attempt"), QByteArray("4")});
            out.headers.append({QByteArray("error"), QByteArray("payment gateway unavailable: HTTP 503")});
            letters << out;
        }
        idem::testsupport::produce(m_bootstrap, QStringLiteral("orders.dlq"), letters);
        // Where they landed, read back (a late outage letter may sit between them).
        QStringList synthetic;
        for (const Record &r : readTopic(m_bootstrap, QStringLiteral("orders.dlq"))) {
            if (syntheticIds.contains(r.header("event_id")))
                synthetic << QStringLiteral("orders.dlq:%1:%2").arg(r.partition).arg(r.offset);
        }
        QCOMPARE(synthetic.size(), m_syntheticCount);
        m_synthetic = synthetic.join(QLatin1Char(','));
    }

    void outageDeadLettersReplayedReachDone()
    {
        const qint64 id = request(QStringLiteral("gateway outage"), m_letters, 0);
        QVERIFY(id > 0);
        // Refused by the rules, with the database's reason: exit 2.
        const Ctl self = ctl(QStringLiteral("alice"), {QStringLiteral("replay"), QStringLiteral("approve"), QString::number(id)});
        QCOMPARE(self.exit, 2);
        QVERIFY2(self.err.contains(QStringLiteral("alice may not do this: it needs role idem_approver")), qPrintable(self.err));
        const Ctl viewer = ctl(QStringLiteral("carol"), {QStringLiteral("replay"), QStringLiteral("request"), QStringLiteral("--flow"),
                                                         QStringLiteral("orders"), QStringLiteral("--offsets"),
                                                         m_offsets.section(QLatin1Char(','), 0, 0), QStringLiteral("--reason"),
                                                         QStringLiteral("x")});
        QCOMPARE(viewer.exit, 2);
        QVERIFY2(viewer.err.contains(QStringLiteral("needs role idem_operator")), qPrintable(viewer.err));
        const Ctl early = ctl(QStringLiteral("dave"), {QStringLiteral("replay"), QStringLiteral("run"), QString::number(id)});
        QCOMPARE(early.exit, 2);
        QVERIFY2(early.err.contains(QStringLiteral("only an approved request can be executed")), qPrintable(early.err));

        const Ctl approve = ctl(QStringLiteral("bob"), {QStringLiteral("replay"), QStringLiteral("approve"), QString::number(id),
                                                        QStringLiteral("--comment"), QStringLiteral("gateway is back")});
        QVERIFY2(approve.exit == 0, qPrintable(approve.err));
        const Ctl run = ctl(QStringLiteral("dave"), {QStringLiteral("replay"), QStringLiteral("run"), QString::number(id),
                                                     QStringLiteral("--rate"), QStringLiteral("0"), QStringLiteral("--json")});
        QVERIFY2(run.exit == 0, qPrintable(run.out + run.err));
        QCOMPARE(run.json.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
        QCOMPARE(run.json.value(QStringLiteral("confirmed")).toInt(), m_letters);
        const QMap<int, int> copies = replayedCopies(id);
        QCOMPARE(copies.size(), m_letters);
        for (auto it = copies.cbegin(); it != copies.cend(); ++it)
            QVERIFY2(it.value() == 1, qPrintable(QStringLiteral("item %1 sent %2 times").arg(it.key()).arg(it.value())));
        const Ctl shown = ctl(QStringLiteral("carol"), {QStringLiteral("replay"), QStringLiteral("show"), QString::number(id),
                                                        QStringLiteral("--json")});
        QCOMPARE(shown.json.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
        QCOMPARE(shown.json.value(QStringLiteral("approved_by")).toString(), QStringLiteral("bob"));
        QCOMPARE(shown.json.value(QStringLiteral("item_states")).toObject().value(QStringLiteral("confirmed")).toInt(), m_letters);

        // Trace shows the replay: requested by alice, approved by bob, sent where the request recorded it.
        const QJsonObject item = shown.json.value(QStringLiteral("item_list")).toArray().first().toObject();
        const QString eventId = item.value(QStringLiteral("event_id")).toString();
        QVERIFY(!eventId.isEmpty());
        const Ctl traced = ctl(QStringLiteral("carol"), {QStringLiteral("trace"), eventId, QStringLiteral("--flow"),
                                                         QStringLiteral("orders"), QStringLiteral("--json")});
        QVERIFY2(traced.exit == 0, qPrintable(traced.out + traced.err));
        QMap<QString, QJsonObject> replayHops;
        for (const QJsonValue &h : traced.json.value(QStringLiteral("hops")).toArray()) {
            const QString kind = h.toObject().value(QStringLiteral("kind")).toString();
            if (kind.startsWith(QLatin1String("replay_")) && h.toObject().value(QStringLiteral("system")).toString()
                                                                 == QStringLiteral("replay %1").arg(id))
                replayHops.insert(kind, h.toObject());
        }
        QCOMPARE(replayHops.keys(), (QStringList{QStringLiteral("replay_approved"), QStringLiteral("replay_executed"),
                                                 QStringLiteral("replay_requested")}));
        QVERIFY(replayHops[QStringLiteral("replay_requested")].value(QStringLiteral("detail")).toString().contains(QLatin1String("requested by alice")));
        QVERIFY(replayHops[QStringLiteral("replay_approved")].value(QStringLiteral("detail")).toString().contains(QLatin1String("approved by bob")));
        const QJsonObject executed = replayHops[QStringLiteral("replay_executed")];
        QCOMPARE(executed.value(QStringLiteral("topic")).toString(), item.value(QStringLiteral("target_topic")).toString());
        QCOMPARE(executed.value(QStringLiteral("partition")).toInt(), item.value(QStringLiteral("produced_partition")).toInt());
        QCOMPARE(executed.value(QStringLiteral("offset")).toInteger(), item.value(QStringLiteral("produced_offset")).toInteger());
    }

    void alreadyProcessedItemsAreSkipped()
    {
        const qint64 id = request(QStringLiteral("again, by mistake"), 0, m_letters);
        QVERIFY(id > 0);
        const Ctl approve = ctl(QStringLiteral("bob"), {QStringLiteral("replay"), QStringLiteral("approve"), QString::number(id)});
        QVERIFY2(approve.exit == 0, qPrintable(approve.err));
        const Ctl run = ctl(QStringLiteral("alice"), {QStringLiteral("replay"), QStringLiteral("run"), QString::number(id),
                                                      QStringLiteral("--json")});
        QVERIFY2(run.exit == 0, qPrintable(run.out + run.err));
        QCOMPARE(run.json.value(QStringLiteral("skipped")).toInt(), m_letters);
        QCOMPARE(run.json.value(QStringLiteral("produced_now")).toInt(), 0);
        QVERIFY(replayedCopies(id).isEmpty());
    }

    void exactlyOnceWhenTheExecutorIsKilled()
    {
        const qint64 id = request(QStringLiteral("events lost to a deploy"), m_syntheticCount, 0, m_synthetic);
        QVERIFY(id > 0);
        const Ctl approve = ctl(QStringLiteral("bob"), {QStringLiteral("replay"), QStringLiteral("approve"), QString::number(id),
                                                        QStringLiteral("--comment"), QStringLiteral("ok")});
        QVERIFY2(approve.exit == 0, qPrintable(approve.err));
        QProcess first;
        first.start(QStringLiteral(IDEMCTL), {QStringLiteral("--config"), m_config, QStringLiteral("--user"), QStringLiteral("alice"),
                                              QStringLiteral("replay"), QStringLiteral("run"), QString::number(id),
                                              QStringLiteral("--rate"), QStringLiteral("8")});
        QVERIFY(first.waitForStarted());
        // Killed once a few items are recorded as sent, well before the last.
        auto sent = [&] {
            const Ctl shown = ctl(QStringLiteral("carol"), {QStringLiteral("replay"), QStringLiteral("show"), QString::number(id),
                                                            QStringLiteral("--json")});
            return shown.json.value(QStringLiteral("item_states")).toObject().value(QStringLiteral("sent")).toInt();
        };
        QTRY_VERIFY_WITH_TIMEOUT(sent() >= 3, 30000);
        ::kill(pid_t(first.processId()), SIGKILL);
        QVERIFY(first.waitForFinished(10000));
        QCOMPARE(first.exitStatus(), QProcess::CrashExit);
        const int before = replayedCopies(id).size();
        QVERIFY2(before >= 3 && before < m_syntheticCount, qPrintable(QString::number(before)));

        const Ctl second = ctl(QStringLiteral("dave"), {QStringLiteral("replay"), QStringLiteral("run"), QString::number(id),
                                                        QStringLiteral("--rate"), QStringLiteral("0"), QStringLiteral("--json")});
        QVERIFY2(second.exit == 0, qPrintable(second.out + second.err));
        QVERIFY(second.json.value(QStringLiteral("resumed")).toBool());
        QCOMPARE(second.json.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
        QCOMPARE(second.json.value(QStringLiteral("confirmed")).toInt(), m_syntheticCount);
        const QMap<int, int> copies = replayedCopies(id);
        QCOMPARE(copies.size(), m_syntheticCount);
        for (auto it = copies.cbegin(); it != copies.cend(); ++it)
            QVERIFY2(it.value() == 1, qPrintable(QStringLiteral("item %1 sent %2 times").arg(it.key()).arg(it.value())));
        // Everything above is in an unbroken audit chain.
        const Ctl audit = ctl(QStringLiteral("carol"), {QStringLiteral("ops"), QStringLiteral("verify-audit"), QStringLiteral("--json")});
        QVERIFY2(audit.exit == 0, qPrintable(audit.out + audit.err));
        QVERIFY(audit.json.value(QStringLiteral("ok")).toBool());
    }

    void oneItemPerEventAndTheRequesterCancels()
    {
        // billing and shipping both dead-lettered the same event.
        const Record model = readTopic(m_bootstrap, QStringLiteral("orders.events")).value(0);
        const QByteArray eventId = QUuid::createUuid().toString(QUuid::WithoutBraces).toUtf8();
        QList<idem::testsupport::OutgoingRecord> copies;
        for (const char *group : {"billing", "shipping"}) {
            idem::testsupport::OutgoingRecord out;
            out.key = model.key;
            out.value = model.payload;
            out.partition = 1;
            out.headers = {{QByteArray("event_id"), eventId}, {QByteArray("original_topic"), QByteArray("orders.events")},
                           {QByteArray("consumer_group"), QByteArray(group)}, {QByteArray("error"), QByteArray("boom")}};
            copies << out;
        }
        idem::testsupport::produce(m_bootstrap, QStringLiteral("orders.dlq"), copies);
        QStringList both;
        for (const Record &r : readTopic(m_bootstrap, QStringLiteral("orders.dlq"))) {
            if (r.header("event_id") == eventId)
                both << QStringLiteral("orders.dlq:%1:%2").arg(r.partition).arg(r.offset);
        }
        QCOMPARE(both.size(), 2);
        const qint64 id = request(QStringLiteral("both groups failed it"), 1, 0, both.join(QLatin1Char(',')));
        QVERIFY(id > 0);
        const Ctl other = ctl(QStringLiteral("dave"), {QStringLiteral("replay"), QStringLiteral("cancel"), QString::number(id)});
        QCOMPARE(other.exit, 2);
        QVERIFY2(other.err.contains(QStringLiteral("only alice, who requested replay")), qPrintable(other.err));
        const Ctl cancel = ctl(QStringLiteral("alice"), {QStringLiteral("replay"), QStringLiteral("cancel"), QString::number(id)});
        QVERIFY2(cancel.exit == 0, qPrintable(cancel.err));
        const Ctl listed = ctl(QStringLiteral("carol"), {QStringLiteral("replay"), QStringLiteral("list"), QStringLiteral("--status"),
                                                         QStringLiteral("cancelled"), QStringLiteral("--json")});
        QCOMPARE(listed.json.value(QStringLiteral("requests")).toArray().first().toObject().value(QStringLiteral("id")).toInteger(), id);
    }

    void cleanupTestCase()
    {
        if (m_sandbox.state() != QProcess::NotRunning) {
            m_sandbox.terminate();
            m_sandbox.waitForFinished(60000);
        }
    }
};

QTEST_GUILESS_MAIN(TestReplay)
#include "tst_replay.moc"
