#include "ui/dialogs/flowstab.h"

#include "models/core/statuscolours.h"

#include "models/config/renames.h"
#include "models/envelope/envelopedetector.h"
#include "ui/dialogs/connectionswidgets.h"
#include "ui/dialogs/envelopedetectiondialog.h"
#include "ui/dialogs/envelopeeditor.h"

#include <QComboBox>
#include <QDoubleValidator>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace idem::ui::connections_detail {

namespace {

QStringList splitTopics(const QString &text)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return text.split(separators, Qt::SkipEmptyParts);
}

QString thresholdUnit(const QString &name)
{
    if (models::isRatioThreshold(name))
        return QObject::tr("ratio, 0 to 1");
    if (name == QLatin1String("lag"))
        return QObject::tr("messages behind, per group");
    if (name == QLatin1String("lag_seconds"))
        return QObject::tr("seconds behind");
    if (name == QLatin1String("errors_per_minute"))
        return QObject::tr("dead letters per minute");
    if (name == QLatin1String("dead_letters"))
        return QObject::tr("messages retained in the dead-letter topic");
    return {};
}

} // namespace

FlowsTab::FlowsTab(models::EnvironmentConfig *env, models::EnvelopeDetector *detector, QWidget *parent)
    : QWidget(parent)
    , m_env(env)
    , m_detector(detector)
{
    m_editor = new QWidget(this);
    m_name = lineEdit(QStringLiteral("flowName"), m_editor);
    m_cluster = new QComboBox(m_editor);
    m_cluster->setObjectName(QStringLiteral("flowCluster"));
    m_topics = lineEdit(QStringLiteral("flowTopics"), m_editor, tr("orders.events (several: comma-separated)"));
    m_retryTopics = lineEdit(QStringLiteral("flowRetryTopics"), m_editor, tr("none; e.g. orders.retry.1m, orders.retry.5m"));
    m_deadLetterTopic = lineEdit(QStringLiteral("flowDeadLetterTopic"), m_editor, tr("none; e.g. orders.dlq"));
    m_detectSource = smallButton(tr("Detect envelope…"), QStringLiteral("detectSource"), m_editor);
    m_detectSource->setToolTip(tr("Sample the newest messages of the first source topic and "
                                  "propose the flow's envelope preset, with the evidence"));
    m_detectDeadLetter = smallButton(tr("Detect envelope…"), QStringLiteral("detectDeadLetter"), m_editor);
    m_detectDeadLetter->setToolTip(tr("Sample the dead-letter topic and propose its envelope"));
    m_detectSource->setVisible(m_detector != nullptr);
    m_detectDeadLetter->setVisible(m_detector != nullptr);
    m_note = new QLabel(m_editor);
    m_note->setObjectName(QStringLiteral("flowNote"));
    m_note->setWordWrap(true);

    m_groups = new QTableWidget(0, 2, m_editor);
    m_groups->setObjectName(QStringLiteral("flowGroups"));
    m_groups->setHorizontalHeaderLabels({ tr("Consumer group"), tr("Its store") });
    m_groups->horizontalHeader()->setStretchLastSection(true);
    m_groups->setColumnWidth(0, 240);
    m_groups->verticalHeader()->hide();
    m_groups->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto *addGroup = smallButton(tr("Add group"), QStringLiteral("addGroup"), m_editor);
    auto *removeGroup = smallButton(tr("Remove group"), QStringLiteral("removeGroup"), m_editor);

    auto *topicsPage = new QWidget(m_editor);
    auto *form = new QFormLayout;
    form->addRow(tr("Cluster"), m_cluster);
    form->addRow(tr("Source topics"), withButton(m_topics, m_detectSource, topicsPage));
    form->addRow(tr("Retry topics"), m_retryTopics);
    form->addRow(tr("Dead-letter topic"), withButton(m_deadLetterTopic, m_detectDeadLetter, topicsPage));
    auto *groupButtons = new QHBoxLayout;
    groupButtons->addWidget(addGroup);
    groupButtons->addWidget(removeGroup);
    groupButtons->addStretch(1);
    auto *topicsLayout = new QVBoxLayout(topicsPage);
    topicsLayout->addLayout(form);
    topicsLayout->addWidget(m_note);
    topicsLayout->addWidget(new QLabel(tr("Consumer groups of the flow, each with the store it "
                                          "records processed events in:"),
                                       topicsPage));
    topicsLayout->addWidget(m_groups, 1);
    topicsLayout->addLayout(groupButtons);

    auto *envelopePage = new QWidget(m_editor);
    m_envelope = new EnvelopeEditor(QStringLiteral("envelope"), envelopePage);
    m_deadLetterEnvelope = new EnvelopeEditor(QStringLiteral("deadLetterEnvelope"), envelopePage);
    auto *sourceBox = new QGroupBox(tr("Source and retry topics"), envelopePage);
    (new QVBoxLayout(sourceBox))->addWidget(m_envelope);
    auto *deadLetterBox = new QGroupBox(tr("Dead-letter topic"), envelopePage);
    (new QVBoxLayout(deadLetterBox))->addWidget(m_deadLetterEnvelope);
    auto *envelopeLayout = new QHBoxLayout(envelopePage);
    envelopeLayout->addWidget(sourceBox);
    envelopeLayout->addWidget(deadLetterBox);

    auto *thresholdsPage = new QWidget(m_editor);
    auto *grid = new QGridLayout(thresholdsPage);
    int row = 0;
    for (const QString &name : models::thresholdNames()) {
        auto *edit = new QLineEdit(thresholdsPage);
        edit->setObjectName(QStringLiteral("threshold_") + name);
        edit->setPlaceholderText(tr("none"));
        auto *validator = new QDoubleValidator(0, models::isRatioThreshold(name) ? 1 : 1e15, 6, edit);
        validator->setLocale(QLocale::c());
        validator->setNotation(QDoubleValidator::StandardNotation);
        edit->setValidator(validator);
        edit->setMaximumWidth(160);
        connect(edit, &QLineEdit::textEdited, this, &FlowsTab::readThresholds);
        m_thresholds.insert(name, edit);
        grid->addWidget(new QLabel(name, thresholdsPage), row, 0);
        grid->addWidget(edit, row, 1);
        grid->addWidget(hint(thresholdUnit(name), thresholdsPage), row, 2);
        ++row;
    }
    grid->addWidget(hint(tr("Drawn as lines on the flow's charts; the Overview marks a figure above "
                            "its threshold. Leave empty for none."),
                         thresholdsPage),
                    row, 0, 1, 3);
    grid->setColumnStretch(2, 1);
    grid->setRowStretch(row + 1, 1);

    auto *inner = new QTabWidget(m_editor);
    inner->setObjectName(QStringLiteral("flowTabs"));
    inner->addTab(topicsPage, tr("Topics and groups"));
    inner->addTab(envelopePage, tr("Envelope"));
    inner->addTab(thresholdsPage, tr("Thresholds"));
    auto *nameForm = new QFormLayout;
    nameForm->addRow(tr("Name"), m_name);
    auto *editorLayout = new QVBoxLayout(m_editor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(nameForm);
    editorLayout->addWidget(inner, 1);

    const ItemList items = listBeside(m_editor, QStringLiteral("flow"), tr("Add flow"), this);
    m_list = items.list;
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(items.splitter);

    connect(m_list, &QListWidget::currentRowChanged, this, &FlowsTab::load);
    connect(m_name, &QLineEdit::editingFinished, this, [this] { rename(m_name->text()); });
    connect(m_cluster, &QComboBox::currentIndexChanged, this, [this] {
        const int row = m_list->currentRow();
        if (m_loading || row < 0)
            return;
        m_env->flows[row].cluster = m_cluster->currentData().toString();
        emit edited();
    });
    const auto topicsEdited = [this] {
        const int row = m_list->currentRow();
        if (m_loading || row < 0)
            return;
        models::FlowConfig &flow = m_env->flows[row];
        flow.topics = splitTopics(m_topics->text());
        flow.retryTopics = splitTopics(m_retryTopics->text());
        flow.deadLetterTopic = m_deadLetterTopic->text().trimmed();
        updateDetectButtons();
        emit edited();
    };
    connect(m_topics, &QLineEdit::textEdited, this, topicsEdited);
    connect(m_retryTopics, &QLineEdit::textEdited, this, topicsEdited);
    connect(m_deadLetterTopic, &QLineEdit::textEdited, this, topicsEdited);
    connect(m_groups, &QTableWidget::itemChanged, this, &FlowsTab::readGroups);
    connect(addGroup, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        if (row < 0)
            return;
        models::FlowConfig &flow = m_env->flows[row];
        models::ConsumerGroupConfig group;
        group.name = uniqueName(flow.groups, QStringLiteral("group"));
        flow.groups.append(group);
        load(row);
        m_groups->setFocus();
        m_groups->setCurrentCell(m_groups->rowCount() - 1, 0);
        m_groups->editItem(m_groups->item(m_groups->rowCount() - 1, 0));
        emit edited();
    });
    connect(removeGroup, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        const int group = m_groups->currentRow();
        if (row < 0 || group < 0)
            return;
        m_env->flows[row].groups.removeAt(group);
        load(row);
        emit edited();
    });
    m_envelope->onChanged = [this] {
        const int row = m_list->currentRow();
        if (m_loading || row < 0)
            return;
        m_env->flows[row].envelope = m_envelope->envelope();
        emit edited();
    };
    m_deadLetterEnvelope->onChanged = [this] {
        const int row = m_list->currentRow();
        if (m_loading || row < 0)
            return;
        m_env->flows[row].deadLetterEnvelope = m_deadLetterEnvelope->envelope();
        emit edited();
    };
    connect(m_detectSource, &QPushButton::clicked, this, [this] { detectEnvelope(false); });
    connect(m_detectDeadLetter, &QPushButton::clicked, this, [this] { detectEnvelope(true); });
    connect(items.add, &QPushButton::clicked, this, [this] {
        models::FlowConfig flow;
        flow.name = uniqueName(m_env->flows, QStringLiteral("flow"));
        flow.cluster = m_env->clusters.isEmpty() ? QString() : m_env->clusters.first().name;
        appendItem(m_env->flows, flow, m_list, m_name);
        emit edited();
    });
    connect(items.remove, &QPushButton::clicked, this, [this] {
        if (!removeCurrent(m_env->flows, m_list))
            return;
        load(m_list->currentRow());
        emit edited();
    });
}

FlowsTab::~FlowsTab()
{
    // An editor still open commits while the children are destroyed.
    m_envelope->onChanged = nullptr;
    m_deadLetterEnvelope->onChanged = nullptr;
    for (QObject *child : findChildren<QObject *>())
        QObject::disconnect(child, nullptr, this, nullptr);
}

void FlowsTab::populate()
{
    m_loading = true;
    m_list->clear();
    for (const auto &flow : std::as_const(m_env->flows))
        m_list->addItem(flow.name);
    m_loading = false;
    m_list->setCurrentRow(m_env->flows.isEmpty() ? -1 : 0);
    load(m_list->currentRow());
}

void FlowsTab::reload()
{
    load(m_list->currentRow());
}

void FlowsTab::load(int row)
{
    const bool loading = m_loading;
    m_loading = true;
    const bool valid = row >= 0 && row < m_env->flows.size();
    const models::FlowConfig flow = valid ? m_env->flows[row] : models::FlowConfig();
    m_editor->setEnabled(valid);
    m_name->setText(flow.name);

    m_cluster->clear();
    for (const auto &cluster : std::as_const(m_env->clusters))
        m_cluster->addItem(cluster.name, cluster.name);
    if (!m_env->cluster(flow.cluster)) {
        // Shown as it is written; the reader's message says what is wrong with it.
        m_cluster->insertItem(0, flow.cluster.isEmpty() ? tr("(none)") : flow.cluster, flow.cluster);
    }
    m_cluster->setCurrentIndex(m_cluster->findData(flow.cluster));

    m_topics->setText(flow.topics.join(QStringLiteral(", ")));
    m_retryTopics->setText(flow.retryTopics.join(QStringLiteral(", ")));
    m_deadLetterTopic->setText(flow.deadLetterTopic);

    m_groups->setRowCount(0);
    for (const auto &group : flow.groups) {
        const int r = m_groups->rowCount();
        m_groups->insertRow(r);
        m_groups->setItem(r, 0, new QTableWidgetItem(group.name));
        auto *store = new QComboBox(m_groups);
        store->addItem(tr("(not watched)"), QString());
        for (const auto &s : std::as_const(m_env->stores))
            store->addItem(s.name, s.name);
        if (store->findData(group.store) < 0)
            store->addItem(group.store, group.store);
        store->setCurrentIndex(store->findData(group.store));
        connect(store, &QComboBox::currentIndexChanged, this, &FlowsTab::readGroups);
        m_groups->setCellWidget(r, 1, store);
    }

    m_envelope->setEnvelope(flow.envelope);
    m_deadLetterEnvelope->setEnvelope(flow.deadLetterEnvelope);
    for (auto it = m_thresholds.cbegin(); it != m_thresholds.cend(); ++it) {
        const auto value = flow.thresholds.constFind(it.key());
        it.value()->setText(value == flow.thresholds.cend() ? QString() : QString::number(*value, 'g', 12));
        it.value()->setStyleSheet(QString());
    }
    m_note->clear();
    m_loading = loading;
    updateDetectButtons();
}

void FlowsTab::commitName()
{
    rename(m_name->text());
}

void FlowsTab::rename(const QString &text)
{
    if (m_loading)
        return;
    const int row = m_list->currentRow();
    if (!models::renameFlow(*m_env, row, text))
        return;
    m_list->item(row)->setText(m_env->flows[row].name);
    emit edited();
}

void FlowsTab::readGroups()
{
    const int row = m_list->currentRow();
    if (m_loading || row < 0)
        return;
    QList<models::ConsumerGroupConfig> groups;
    for (int r = 0; r < m_groups->rowCount(); ++r) {
        models::ConsumerGroupConfig group;
        if (const QTableWidgetItem *name = m_groups->item(r, 0))
            group.name = name->text().trimmed();
        if (const auto *store = qobject_cast<QComboBox *>(m_groups->cellWidget(r, 1)))
            group.store = store->currentData().toString();
        groups.append(group);
    }
    m_env->flows[row].groups = groups;
    emit edited();
}

void FlowsTab::readThresholds()
{
    const int row = m_list->currentRow();
    if (m_loading || row < 0)
        return;
    QMap<QString, double> thresholds = m_env->flows[row].thresholds;
    for (auto it = m_thresholds.cbegin(); it != m_thresholds.cend(); ++it) {
        QLineEdit *edit = it.value();
        const QString text = edit->text().trimmed();
        bool ok = false;
        const double value = QLocale::c().toDouble(text, &ok);
        // A number still being typed ("0.") keeps the last complete one.
        edit->setStyleSheet(text.isEmpty() || ok ? QString() : QString(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Error) + QLatin1Char(';')));
        if (text.isEmpty())
            thresholds.remove(it.key());
        else if (ok)
            thresholds.insert(it.key(), value);
    }
    m_env->flows[row].thresholds = thresholds;
    emit edited();
}

void FlowsTab::updateDetectButtons()
{
    const int row = m_list->currentRow();
    const bool valid = row >= 0 && row < m_env->flows.size();
    const bool canSample = m_detector && valid && m_env->cluster(m_env->flows[row].cluster);
    m_detectSource->setEnabled(canSample && !m_env->flows[row].topics.isEmpty());
    m_detectDeadLetter->setEnabled(canSample && !m_env->flows[row].deadLetterTopic.isEmpty());
}

void FlowsTab::detectEnvelope(bool deadLetter)
{
    emit aboutToDetect();
    const int row = m_list->currentRow();
    if (!m_detector || row < 0)
        return;
    const models::FlowConfig &flow = m_env->flows[row];
    const models::KafkaClusterConfig *cluster = m_env->cluster(flow.cluster);
    if (!cluster)
        return;
    const QString topic = deadLetter ? flow.deadLetterTopic : flow.topics.value(0);
    auto *dialog = new EnvelopeDetectionDialog(m_detector, *cluster, flow.topics, flow.deadLetterTopic, topic, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString flowName = flow.name;
    connect(dialog, &EnvelopeDetectionDialog::applied, this,
            [this, flowName](const EnvelopeChoice &choice) { applyDetection(flowName, choice); });
    dialog->open();
}

void FlowsTab::applyDetection(const QString &flowName, const EnvelopeChoice &choice)
{
    for (qsizetype i = 0; i < m_env->flows.size(); ++i) {
        models::FlowConfig &flow = m_env->flows[i];
        if (flow.name != flowName)
            continue;
        QStringList changes;
        models::EnvelopeConfig &envelope = choice.deadLetterTopic ? flow.deadLetterEnvelope : flow.envelope;
        envelope.preset = choice.preset;
        changes << (choice.deadLetterTopic ? tr("the dead-letter envelope preset to %1") : tr("the envelope preset to %1"))
                       .arg(choice.preset);
        if (choice.applyPairing && !choice.retryTopics.isEmpty()) {
            flow.retryTopics = choice.retryTopics;
            changes << tr("the retry topics to %1").arg(choice.retryTopics.join(QStringLiteral(", ")));
        }
        if (choice.applyPairing && !choice.deadLetterTopicName.isEmpty()) {
            flow.deadLetterTopic = choice.deadLetterTopicName;
            changes << tr("the dead-letter topic to %1").arg(choice.deadLetterTopicName);
        }
        if (m_list->currentRow() == int(i))
            load(int(i));
        m_note->setText(tr("From a sample of %1: set %2. Not saved yet.").arg(choice.topic, changes.join(tr("; "))));
        emit edited();
        return;
    }
}

} // namespace idem::ui::connections_detail
