#include "ui/dialogs/envelopedetectiondialog.h"

#include "models/core/statuscolours.h"

#include "models/envelope/presets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

constexpr int kSamples = 50;
constexpr int kTopicRole = Qt::UserRole;
constexpr int kDeadLetterRole = Qt::UserRole + 1;

QString presetTitles(const QString &preset)
{
    QStringList titles;
    for (const QString &part : preset.split(u'+')) {
        const models::EnvelopePreset *p = models::findEnvelopePreset(part);
        titles << (p ? p->title : part);
    }
    return titles.join(QStringLiteral(", then "));
}

} // namespace

EnvelopeDetectionDialog::EnvelopeDetectionDialog(models::EnvelopeDetector *detector,
                                                 models::KafkaClusterConfig cluster,
                                                 const QStringList &sourceTopics,
                                                 const QString &deadLetterTopic,
                                                 const QString &topic, QWidget *parent)
    : QDialog(parent)
    , m_detector(detector)
    , m_cluster(std::move(cluster))
    , m_deadLetterTopic(deadLetterTopic)
{
    setObjectName(QStringLiteral("envelopeDetectionDialog"));
    setWindowTitle(tr("Detect envelope"));

    m_topic = new QComboBox(this);
    m_topic->setObjectName(QStringLiteral("detectTopic"));
    for (const QString &t : sourceTopics) {
        m_topic->addItem(t);
        m_topic->setItemData(m_topic->count() - 1, t, kTopicRole);
        m_topic->setItemData(m_topic->count() - 1, false, kDeadLetterRole);
    }
    if (!deadLetterTopic.isEmpty()) {
        m_topic->addItem(tr("%1 (dead letters)").arg(deadLetterTopic));
        m_topic->setItemData(m_topic->count() - 1, deadLetterTopic, kTopicRole);
        m_topic->setItemData(m_topic->count() - 1, true, kDeadLetterRole);
    }
    const bool dlq = !deadLetterTopic.isEmpty() && topic == deadLetterTopic;
    for (int i = 0; i < m_topic->count(); ++i) {
        if (m_topic->itemData(i, kTopicRole).toString() == topic
            && m_topic->itemData(i, kDeadLetterRole).toBool() == dlq) {
            m_topic->setCurrentIndex(i);
        }
    }
    m_detect = new QPushButton(tr("Sample again"), this);
    m_detect->setObjectName(QStringLiteral("sampleAgain"));
    m_detect->setAutoDefault(false);
    connect(m_detect, &QPushButton::clicked, this, &EnvelopeDetectionDialog::detect);
    connect(m_topic, &QComboBox::activated, this, &EnvelopeDetectionDialog::detect);

    auto *target = new QHBoxLayout;
    target->addWidget(new QLabel(tr("Topic"), this));
    target->addWidget(m_topic, 1);
    auto *clusterLabel = new QLabel(
        tr("on cluster <b>%1</b>").arg(m_cluster.name.toHtmlEscaped()), this);
    clusterLabel->setToolTip(m_cluster.property(QStringLiteral("bootstrap.servers")));
    target->addWidget(clusterLabel);
    target->addWidget(m_detect);

    m_busy = new QProgressBar(this);
    m_busy->setObjectName(QStringLiteral("detectBusy"));
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setMaximumWidth(120);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("detectStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelDetection"));
    m_cancel->setAutoDefault(false);
    connect(m_cancel, &QPushButton::clicked, this, &EnvelopeDetectionDialog::cancel);
    auto *progress = new QHBoxLayout;
    progress->addWidget(m_busy);
    progress->addWidget(m_status, 1);
    progress->addWidget(m_cancel);

    m_proposals = new QTreeWidget(this);
    m_proposals->setObjectName(QStringLiteral("proposals"));
    m_proposals->setHeaderLabels({tr("Preset"), tr("Score"), tr("Read cleanly"), tr("Messages are")});
    m_proposals->setRootIsDecorated(true);
    m_proposals->setUniformRowHeights(true);
    m_proposals->header()->setStretchLastSection(true);
    m_proposals->setMinimumHeight(200);
    connect(m_proposals, &QTreeWidget::currentItemChanged, this, &EnvelopeDetectionDialog::updateApply);

    auto *pairingBox = new QGroupBox(tr("Retry and dead-letter topics, paired by name"), this);
    m_pairing = new QLabel(pairingBox);
    m_pairing->setObjectName(QStringLiteral("pairing"));
    m_pairing->setWordWrap(true);
    m_pairing->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_usePairing = new QCheckBox(tr("Also set the flow's retry topics and dead-letter topic to these"),
                                 pairingBox);
    m_usePairing->setObjectName(QStringLiteral("usePairing"));
    auto *pairingLayout = new QVBoxLayout(pairingBox);
    pairingLayout->addWidget(m_pairing);
    pairingLayout->addWidget(m_usePairing);

    m_observations = new QLabel(this);
    m_observations->setObjectName(QStringLiteral("observations"));
    m_observations->setWordWrap(true);
    m_observations->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_observations->setForegroundRole(QPalette::PlaceholderText);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_apply = buttons->addButton(tr("Apply to flow"), QDialogButtonBox::AcceptRole);
    m_apply->setObjectName(QStringLiteral("applyDetection"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (!detection())
            return;
        emit applied(choice());
        accept();
    });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(target);
    layout->addLayout(progress);
    layout->addWidget(new QLabel(tr("Envelope presets that read the sample, best first:"), this));
    layout->addWidget(m_proposals, 1);
    layout->addWidget(pairingBox);
    layout->addWidget(m_observations);
    layout->addWidget(buttons);
    resize(760, 560);

    m_ticker.setInterval(500);
    connect(&m_ticker, &QTimer::timeout, this, &EnvelopeDetectionDialog::updateProgress);
    if (m_detector) {
        connect(m_detector, &models::EnvelopeDetector::finished, this,
                &EnvelopeDetectionDialog::finished);
    }
    detect();
}

EnvelopeDetectionDialog::~EnvelopeDetectionDialog()
{
    cancel();
}

const models::EnvelopeDetection *EnvelopeDetectionDialog::detection() const
{
    return m_reply && m_reply->ok() ? &m_reply->detection : nullptr;
}

QString EnvelopeDetectionDialog::errorText() const
{
    return m_reply ? m_reply->error : QString();
}

bool EnvelopeDetectionDialog::sampledDeadLetterTopic() const
{
    return m_reply && !m_deadLetterTopic.isEmpty() && m_reply->topic == m_deadLetterTopic
        && m_topic->currentData(kDeadLetterRole).toBool();
}

EnvelopeChoice EnvelopeDetectionDialog::choice() const
{
    EnvelopeChoice c;
    const models::EnvelopeDetection *d = detection();
    if (!d)
        return c;
    c.topic = d->topic;
    c.deadLetterTopic = sampledDeadLetterTopic();
    const QTreeWidgetItem *item = m_proposals->currentItem();
    while (item && item->parent())
        item = item->parent();
    if (!item)
        item = m_proposals->topLevelItem(0);
    c.preset = item ? item->data(0, Qt::UserRole).toString() : QString();
    if (d->pairing && m_usePairing->isEnabled() && m_usePairing->isChecked()) {
        c.applyPairing = true;
        c.retryTopics = d->pairing->retryTopics;
        c.deadLetterTopicName = d->pairing->deadLetterTopics.value(0);
    }
    return c;
}

void EnvelopeDetectionDialog::detect()
{
    cancel();
    m_reply.reset();
    m_proposals->clear();
    m_pairing->clear();
    m_usePairing->setChecked(false);
    m_usePairing->setEnabled(false);
    m_observations->clear();
    m_status->setStyleSheet(QString());
    const QString topic = m_topic->currentData(kTopicRole).toString();
    if (!m_detector || topic.isEmpty()) {
        m_busy->hide();
        m_cancel->hide();
        m_status->setText(topic.isEmpty() ? tr("The flow names no topic to sample.")
                                          : tr("Envelope detection is not available here."));
        updateApply();
        return;
    }
    m_request = m_detector->detect(m_cluster, topic, kSamples);
    m_elapsed.start();
    m_ticker.start();
    m_busy->show();
    m_cancel->show();
    m_cancel->setEnabled(true);
    updateProgress();
    updateApply();
}

void EnvelopeDetectionDialog::cancel()
{
    if (!m_request)
        return;
    if (m_detector)
        m_detector->cancel(m_request);
    m_request = 0;
    m_ticker.stop();
    m_busy->hide();
    m_cancel->hide();
    m_status->setText(tr("Cancelled; nothing was changed. Sample again to retry."));
    updateApply();
}

void EnvelopeDetectionDialog::done(int result)
{
    cancel();
    QDialog::done(result);
}

void EnvelopeDetectionDialog::updateProgress()
{
    if (!m_request)
        return;
    m_status->setText(tr("Sampling the newest %1 messages of %2 on %3… %4 s")
                          .arg(kSamples)
                          .arg(m_topic->currentData(kTopicRole).toString(), m_cluster.name)
                          .arg(m_elapsed.elapsed() / 1000));
}

void EnvelopeDetectionDialog::updateApply()
{
    const models::EnvelopeDetection *d = detection();
    m_apply->setEnabled(d && d->sampled > 0 && !d->proposals.isEmpty());
    m_detect->setEnabled(m_detector != nullptr && m_topic->count() > 0);
}

void EnvelopeDetectionDialog::finished(const models::EnvelopeDetectionReply &reply)
{
    if (reply.request != m_request || m_request == 0)
        return; // an answer to a request that was cancelled or replaced
    m_request = 0;
    m_ticker.stop();
    m_busy->hide();
    m_cancel->hide();
    m_reply = reply;
    if (!reply.ok()) {
        m_status->setStyleSheet(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Error) + QLatin1Char(';'));
        m_status->setText(tr("Could not sample %1 on cluster %2: %3")
                              .arg(reply.topic, reply.cluster, reply.error));
        updateApply();
        return;
    }
    showDetection(reply.detection);
    updateApply();
}

void EnvelopeDetectionDialog::showDetection(const models::EnvelopeDetection &d)
{
    const double seconds = m_elapsed.elapsed() / 1000.0;
    if (d.sampled == 0) {
        m_status->setText(tr("%1 holds no messages to sample; produce some, or pick another topic.")
                              .arg(d.topic));
    } else {
        const QString sampled = d.sampled == 1 ? tr("1 message") : tr("%1 messages").arg(d.sampled);
        m_status->setText(tr("%1 of %2 sampled in %3 s.")
                              .arg(sampled, d.topic)
                              .arg(seconds, 0, 'f', 1));
    }

    for (const models::PresetProposal &p : d.proposals) {
        auto *item = new QTreeWidgetItem(m_proposals);
        item->setText(0, p.preset);
        item->setData(0, Qt::UserRole, p.preset);
        item->setToolTip(0, presetTitles(p.preset));
        item->setText(1, QString::number(p.score, 'f', 2));
        item->setText(2, tr("%1 of %2").arg(p.readable).arg(p.sampled));
        item->setText(3, p.deadLetter ? tr("dead-letter or retry copies") : tr("events"));
        for (const QString &line : p.evidence) {
            auto *evidence = new QTreeWidgetItem(item);
            evidence->setText(0, line);
            evidence->setFirstColumnSpanned(true);
            evidence->setFlags(Qt::ItemIsEnabled);
        }
    }
    if (QTreeWidgetItem *best = m_proposals->topLevelItem(0)) {
        best->setExpanded(true);
        m_proposals->setCurrentItem(best);
        QFont bold = best->font(0);
        bold.setBold(true);
        best->setFont(0, bold);
    }
    m_proposals->resizeColumnToContents(1);
    m_proposals->resizeColumnToContents(2);
    m_proposals->setColumnWidth(0, std::max(m_proposals->columnWidth(0), 260));

    if (d.pairing) {
        const models::TopicPairing &p = *d.pairing;
        QStringList lines;
        lines << tr("Source topic: <b>%1</b>%2")
                     .arg(p.sourceTopic.toHtmlEscaped(),
                          p.sourceListed ? QString() : tr(" (not among the cluster's topics)"));
        lines << tr("Retry topics: %1")
                     .arg(p.retryTopics.isEmpty() ? tr("none")
                                                  : p.retryTopics.join(QStringLiteral(", ")).toHtmlEscaped());
        QString dlq = p.deadLetterTopics.isEmpty()
            ? tr("none")
            : p.deadLetterTopics.first().toHtmlEscaped();
        if (p.deadLetterTopics.size() > 1)
            dlq += tr(" (the first of %1: %2)")
                       .arg(p.deadLetterTopics.size())
                       .arg(p.deadLetterTopics.join(QStringLiteral(", ")).toHtmlEscaped());
        lines << tr("Dead-letter topic: %1").arg(dlq);
        for (const QString &e : p.evidence)
            lines << QStringLiteral("<span style='color:%2'>%1</span>")
                         .arg(e.toHtmlEscaped(), models::statusColourName(models::StatusColour::Neutral));
        m_pairing->setText(lines.join(QStringLiteral("<br>")));
        m_usePairing->setEnabled(!p.retryTopics.isEmpty() || !p.deadLetterTopics.isEmpty());
    } else {
        m_pairing->setText(tr("No retry or dead-letter topic pairs with %1 by name.").arg(d.topic));
        m_usePairing->setEnabled(false);
    }
    m_observations->setText(d.observations.isEmpty()
                                ? QString()
                                : tr("Seen: %1").arg(d.observations.join(QStringLiteral("; "))));
}

} // namespace idem::ui
