// Proves "Detect envelope…" of the connections dialog samples a real Kafka
// protocol cluster (librdkafka's mock) on the service's worker thread:
// CloudEvents in binary mode are proposed as cloudevents with the evidence,
// Apply sets the flow's preset and, when accepted, its retry and dead-letter
// topics; Cancel discards the answer; an unreachable cluster and a missing
// topic are reported in words while the UI thread's event loop keeps turning.

#include "connectors/config/configfile.h"
#include "connectors/kafka/envelopedetectionservice.h"
#include "connectors/kafka/mockkafka.h"
#include "tests/support/topicwriter.h"
#include "ui/dialogs/connectionsdialog.h"
#include "ui/dialogs/envelopedetectiondialog.h"

#include <QCheckBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTreeWidget>
#include <QtTest>

using namespace idem;

namespace {

constexpr qint64 kStallBudgetMs = 250;

models::Config configFor(const QString &bootstrap, const QString &topic)
{
    models::Config config;
    config.sourcePath = QStringLiteral("/nonexistent/idem.yaml"); // never saved here
    models::EnvironmentConfig env;
    env.name = QStringLiteral("test");
    env.clusters = { { QStringLiteral("main"), { { QStringLiteral("bootstrap.servers"), bootstrap } } } };
    models::FlowConfig flow;
    flow.name = QStringLiteral("payments");
    flow.cluster = QStringLiteral("main");
    flow.topics = { topic };
    env.flows = { flow };
    config.environments = { env };
    return config;
}

} // namespace

class TestEnvelopeDetectionService : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<connectors::kafka::MockKafka> m_kafka;
    connectors::YamlConfigStorage m_storage;
    QTimer m_ticker;
    QElapsedTimer m_sinceTick;
    qint64 m_maxStallMs = 0;

    void startWatching()
    {
        m_maxStallMs = 0;
        m_sinceTick.start();
        m_ticker.start();
    }

    // Opens the dialog's detection for the flow's source topic.
    ui::EnvelopeDetectionDialog *detect(ui::ConnectionsDialog &dialog)
    {
        dialog.show();
        if (!QTest::qWaitForWindowExposed(&dialog))
            return nullptr;
        dialog.findChild<QTabWidget *>(QStringLiteral("connectionsTabs"))->setCurrentIndex(2);
        auto *button = dialog.findChild<QPushButton *>(QStringLiteral("detectSource"));
        if (!button || !button->isEnabled())
            return nullptr;
        startWatching();
        QTest::mouseClick(button, Qt::LeftButton);
        return dialog.findChild<ui::EnvelopeDetectionDialog *>();
    }

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("idem-tests"));
        m_ticker.setInterval(10);
        connect(&m_ticker, &QTimer::timeout, this, [this] {
            m_maxStallMs = std::max(m_maxStallMs, m_sinceTick.restart());
        });

        auto started = connectors::kafka::MockKafka::start(1);
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_kafka = std::move(started.value());
        for (const char *topic : { "payments", "payments.retry.5s", "payments.dlq" })
            QVERIFY(m_kafka->createTopic(QString::fromLatin1(topic), 2).ok());
        // CloudEvents in binary content mode: the attributes are ce_ headers.
        QList<testsupport::OutgoingRecord> records;
        for (int i = 0; i < 12; ++i) {
            const QByteArray n = QByteArray::number(i);
            records.append({ "pay-" + n,
                             "{\"payment_id\":\"pay-" + n + "\",\"amount\":" + QByteArray::number(10 * i) + "}",
                             { { "ce_specversion", "1.0" },
                               { "ce_id", "4f6c-" + n },
                               { "ce_source", "/payments/api" },
                               { "ce_type", "com.example.payment.succeeded" },
                               { "ce_subject", "pay-" + n } } });
        }
        testsupport::produce(m_kafka->bootstrapServers(), QStringLiteral("payments"), records);
    }

    void proposesCloudEventsAndAppliesThePreset()
    {
        connectors::kafka::EnvelopeDetectionService service;
        ui::ConnectionsDialog dialog(configFor(m_kafka->bootstrapServers(), QStringLiteral("payments")),
                                     QStringLiteral("test"), &m_storage, &service);
        ui::EnvelopeDetectionDialog *detection = detect(dialog);
        QVERIFY(detection);
        QVERIFY(detection->isBusy());
        QVERIFY(detection->findChild<QWidget *>(QStringLiteral("detectBusy"))->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(detection->detection(), 30000);
        m_ticker.stop();
        QVERIFY2(m_maxStallMs <= kStallBudgetMs, qPrintable(QStringLiteral("stalled %1 ms").arg(m_maxStallMs)));
        QVERIFY(!detection->findChild<QWidget *>(QStringLiteral("detectBusy"))->isVisible());
        const QString status = detection->findChild<QLabel *>(QStringLiteral("detectStatus"))->text();
        QVERIFY2(status.startsWith(QStringLiteral("12 messages of payments sampled in ")), qPrintable(status));

        // Best first, with its score and evidence.
        auto *proposals = detection->findChild<QTreeWidget *>(QStringLiteral("proposals"));
        QTreeWidgetItem *best = proposals->topLevelItem(0);
        QVERIFY(best);
        QCOMPARE(best->text(0).split(u'+').first(), QStringLiteral("cloudevents"));
        QCOMPARE(best->text(2), QStringLiteral("12 of 12"));
        QStringList evidence;
        for (int i = 0; i < best->childCount(); ++i)
            evidence << best->child(i)->text(0);
        QVERIFY2(evidence.contains(QStringLiteral("12 of 12 sampled messages carry ce_id")),
                 qPrintable(evidence.join(u'\n')));
        QCOMPARE(detection->detection()->proposals.first().preset, best->text(0));

        // The pairing by name, applied only because it is ticked.
        const QString pairing = detection->findChild<QLabel *>(QStringLiteral("pairing"))->text();
        QVERIFY2(pairing.contains(QStringLiteral("payments.dlq")) && pairing.contains(QStringLiteral("payments.retry.5s")),
                 qPrintable(pairing));
        auto *usePairing = detection->findChild<QCheckBox *>(QStringLiteral("usePairing"));
        QVERIFY(usePairing->isEnabled());
        QVERIFY(!usePairing->isChecked());
        usePairing->setChecked(true);
        QTest::mouseClick(detection->findChild<QPushButton *>(QStringLiteral("applyDetection")), Qt::LeftButton);

        const models::FlowConfig flow = dialog.config().environments[0].flows[0];
        QCOMPARE(flow.envelope.preset, best->text(0));
        QCOMPARE(flow.retryTopics, QStringList{ QStringLiteral("payments.retry.5s") });
        QCOMPARE(flow.deadLetterTopic, QStringLiteral("payments.dlq"));
        QCOMPARE(dialog.findChild<QLineEdit *>(QStringLiteral("flowDeadLetterTopic"))->text(),
                 QStringLiteral("payments.dlq"));
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("flowNote"))->text().startsWith(
            QStringLiteral("From a sample of payments: set the envelope preset to cloudevents")));
        dialog.validate();
        QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join(u'\n')));
    }

    void cancelDiscardsTheAnswer()
    {
        connectors::kafka::EnvelopeDetectionService service;
        QSignalSpy answers(&service, &models::EnvelopeDetector::finished);
        ui::ConnectionsDialog dialog(configFor(m_kafka->bootstrapServers(), QStringLiteral("payments")),
                                     QStringLiteral("test"), &m_storage, &service);
        ui::EnvelopeDetectionDialog *detection = detect(dialog);
        QVERIFY(detection);
        QTest::mouseClick(detection->findChild<QPushButton *>(QStringLiteral("cancelDetection")), Qt::LeftButton);
        QVERIFY(!detection->isBusy());
        QCOMPARE(answers.count(), 0);
        QVERIFY(!detection->detection());
        QCOMPARE(detection->findChild<QTreeWidget *>(QStringLiteral("proposals"))->topLevelItemCount(), 0);
        QVERIFY(!detection->findChild<QPushButton *>(QStringLiteral("applyDetection"))->isEnabled());
        QVERIFY(detection->findChild<QLabel *>(QStringLiteral("detectStatus"))->text().startsWith(QStringLiteral("Cancelled")));

        // Sampling again answers. The service's one worker thread runs its
        // requests in order and posts their answers in order, so once the
        // second answer is here the cancelled one would have arrived before
        // it: exactly one answer means the cancelled one was never reported.
        QTest::mouseClick(detection->findChild<QPushButton *>(QStringLiteral("sampleAgain")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(detection->detection(), 30000);
        QCOMPARE(answers.count(), 1);
        QVERIFY(detection->findChild<QTreeWidget *>(QStringLiteral("proposals"))->topLevelItemCount() > 0);
    }

    void errorsAreWordsAndTheWindowKeepsTurning_data()
    {
        QTest::addColumn<bool>("reachable");
        QTest::addColumn<QString>("topic");
        QTest::addColumn<QString>("error");
        QTest::newRow("unreachable cluster") << false << QStringLiteral("payments")
                                             << QStringLiteral("cannot reach the cluster at 127.0.0.1:1: ");
        QTest::newRow("missing topic") << true << QStringLiteral("nowhere")
                                       << QStringLiteral("topic nowhere does not exist on the cluster");
    }
    void errorsAreWordsAndTheWindowKeepsTurning()
    {
        QFETCH(bool, reachable);
        QFETCH(QString, topic);
        QFETCH(QString, error);
        // Port 1 on loopback: nothing listens, every connection is refused.
        const QString bootstrap = reachable ? m_kafka->bootstrapServers() : QStringLiteral("127.0.0.1:1");
        connectors::kafka::EnvelopeDetectionService service;
        ui::ConnectionsDialog dialog(configFor(bootstrap, topic), QStringLiteral("test"), &m_storage, &service);
        ui::EnvelopeDetectionDialog *detection = detect(dialog);
        QVERIFY(detection);
        QElapsedTimer took;
        took.start();
        QTRY_VERIFY_WITH_TIMEOUT(!detection->errorText().isEmpty(), 20000);
        m_ticker.stop();
        qInfo("answered in %lld ms; longest event-loop stall %lld ms", took.elapsed(), m_maxStallMs);
        QVERIFY2(m_maxStallMs <= kStallBudgetMs, qPrintable(QStringLiteral("stalled %1 ms").arg(m_maxStallMs)));
        QVERIFY2(detection->errorText().startsWith(error), qPrintable(detection->errorText()));
        if (!reachable)
            QVERIFY2(detection->errorText().contains(QStringLiteral("Connection refused")), qPrintable(detection->errorText()));
        const QString status = detection->findChild<QLabel *>(QStringLiteral("detectStatus"))->text();
        QCOMPARE(status, QStringLiteral("Could not sample %1 on cluster main: %2").arg(topic, detection->errorText()));
        QVERIFY(!detection->findChild<QPushButton *>(QStringLiteral("applyDetection"))->isEnabled());
        QVERIFY(dialog.isVisible());
    }
};

QTEST_MAIN(TestEnvelopeDetectionService)
#include "tst_envelopedetectionservice.moc"
