#include "ui/pages/reconcilepage.h"

#include "models/core/untrustedtext.h"
#include "models/reconcile/reconcilesource.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

constexpr int kShownIds = 10000;

QLabel *plainLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setTextFormat(Qt::PlainText); // verdicts and notes carry text from messages and stores
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

ReconcilePage::ReconcilePage(QWidget *parent)
    : QWidget(parent)
    , m_model(new models::ReconcileTableModel(this))
{
    m_flow = new QComboBox(this);
    m_flow->setObjectName(QStringLiteral("reconcileFlow"));
    m_flow->setMinimumContentsLength(12);
    m_preset = new QComboBox(this);
    m_preset->setObjectName(QStringLiteral("reconcileWindow"));
    m_preset->addItem(tr("Last hour"), int(models::WindowPreset::LastHour));
    m_preset->addItem(tr("Today"), int(models::WindowPreset::Today));
    m_preset->addItem(tr("Yesterday"), int(models::WindowPreset::Yesterday));
    m_preset->addItem(tr("Custom"), int(models::WindowPreset::Custom));
    auto timeEdit = [this](const QString &name) {
        auto *edit = new QDateTimeEdit(this);
        edit->setObjectName(name);
        edit->setTimeSpec(Qt::LocalTime);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss t"));
        edit->setCalendarPopup(true);
        return edit;
    };
    m_from = timeEdit(QStringLiteral("reconcileFrom"));
    m_to = timeEdit(QStringLiteral("reconcileTo"));
    m_run = new QPushButton(tr("Run"), this);
    m_run->setObjectName(QStringLiteral("reconcileRun"));
    m_run->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_exportCsv = new QPushButton(tr("Export CSV…"), this);
    m_exportJson = new QPushButton(tr("Export JSON…"), this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 100);
    m_progress->setMaximumWidth(220);
    m_status = plainLabel(this);
    m_source_ = plainLabel(this);
    m_verdicts = plainLabel(this);
    m_verdicts->setObjectName(QStringLiteral("reconcileVerdicts"));

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("reconcileTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setToolTip(tr("Click a count to list its event_ids"));

    m_idsTitle = plainLabel(this);
    m_idsTitle->setText(tr("Click a count above to list its event_ids; double-click one to trace it."));
    m_ids = new QListWidget(this);
    m_ids->setObjectName(QStringLiteral("reconcileEventIds"));
    m_ids->setUniformItemSizes(true);
    m_trace = new QPushButton(tr("Trace event"), this);
    m_trace->setEnabled(false);

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Flow"), this));
    controls->addWidget(m_flow);
    controls->addWidget(new QLabel(tr("Window"), this));
    controls->addWidget(m_preset);
    controls->addWidget(m_from);
    controls->addWidget(new QLabel(QStringLiteral("–"), this));
    controls->addWidget(m_to);
    controls->addWidget(m_run);
    controls->addWidget(m_cancel);
    controls->addStretch(1);
    controls->addWidget(m_exportCsv);
    controls->addWidget(m_exportJson);
    auto *progress = new QHBoxLayout;
    progress->addWidget(m_progress);
    progress->addWidget(m_status, 1);

    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_table, 1);
    topLayout->addWidget(m_verdicts);
    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    auto *idsHeader = new QHBoxLayout;
    idsHeader->addWidget(m_idsTitle, 1);
    idsHeader->addWidget(m_trace);
    bottomLayout->addLayout(idsHeader);
    bottomLayout->addWidget(m_ids, 1);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addLayout(progress);
    layout->addWidget(m_source_);
    layout->addWidget(split, 1);

    connect(m_preset, &QComboBox::currentIndexChanged, this, [this] { applyPreset(); });
    connect(m_run, &QPushButton::clicked, this, [this] { run(); });
    connect(m_cancel, &QPushButton::clicked, this, &ReconcilePage::cancel);
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { exportTo(false); });
    connect(m_exportJson, &QPushButton::clicked, this, [this] { exportTo(true); });
    connect(m_table, &QTableView::clicked, this, [this](const QModelIndex &index) {
        if (const auto cls = models::ReconcileTableModel::classOf(index.column()))
            showIds(index.row(), *cls);
    });
    connect(m_ids, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem *item) {
        emit traceRequested(item->text());
    });
    connect(m_ids, &QListWidget::currentRowChanged, this, [this](int row) { m_trace->setEnabled(row >= 0); });
    connect(m_trace, &QPushButton::clicked, this, [this] {
        if (QListWidgetItem *item = m_ids->currentItem())
            emit traceRequested(item->text());
    });
    applyPreset();
    setBusy(false);
    m_status->setText(tr("Pick a flow and a window, then Run."));
}

void ReconcilePage::setSource(models::ReconcileSource *source)
{
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = source;
    m_running = 0;
    const QString current = m_flow->currentText();
    m_flow->clear();
    if (source) {
        m_flow->addItems(source->flows());
        selectFlow(current);
        connect(source, &models::ReconcileSource::progress, this, [this](quint64 id, const QString &step, int percent) {
            if (id != m_running)
                return;
            m_status->setText(step);
            if (percent >= 0)
                m_progress->setValue(percent);
        });
        connect(source, &models::ReconcileSource::finished, this,
                [this](quint64 id, const models::ReconcileReport &report) {
                    if (id != m_running)
                        return;
                    m_running = 0;
                    setBusy(false);
                    showReport(report);
                });
        connect(source, &QObject::destroyed, this, [this] {
            m_source = nullptr;
            m_running = 0;
            setBusy(false);
        });
    }
    setBusy(false);
}

void ReconcilePage::selectFlow(const QString &flow)
{
    const int i = m_flow->findText(flow);
    if (i >= 0)
        m_flow->setCurrentIndex(i);
}

void ReconcilePage::setWindow(const QDateTime &from, const QDateTime &to)
{
    m_preset->setCurrentIndex(m_preset->findData(int(models::WindowPreset::Custom)));
    m_from->setDateTime(from.toLocalTime());
    m_to->setDateTime(to.toLocalTime());
}

void ReconcilePage::applyPreset()
{
    const auto preset = models::WindowPreset(m_preset->currentData().toInt());
    const bool custom = preset == models::WindowPreset::Custom;
    m_from->setEnabled(custom);
    m_to->setEnabled(custom);
    if (custom)
        return;
    const models::ReconcileWindow w = models::presetWindow(preset, QDateTime::currentDateTimeUtc());
    m_from->setDateTime(w.from.toLocalTime());
    m_to->setDateTime(w.to.toLocalTime());
}

bool ReconcilePage::run()
{
    if (!m_source) {
        m_status->setText(tr("Reconcile needs a configuration with flows."));
        return false;
    }
    if (m_flow->currentText().isEmpty()) {
        m_status->setText(tr("Pick a flow to reconcile."));
        return false;
    }
    // A preset is taken afresh at each run: "the last hour" ends now.
    if (models::WindowPreset(m_preset->currentData().toInt()) != models::WindowPreset::Custom)
        applyPreset();
    models::ReconcileQuery query;
    query.flow = m_flow->currentText();
    query.from = m_from->dateTime().toUTC();
    query.to = m_to->dateTime().toUTC();
    if (const QString bad = models::checkReconcileWindow(query.from, query.to, QDateTime::currentDateTimeUtc());
        !bad.isEmpty()) {
        m_status->setText(tr("Not run: %1").arg(bad));
        return false;
    }
    m_running = m_source->reconcile(query);
    m_progress->setValue(0);
    m_status->setText(tr("Reconciling %1…").arg(query.flow));
    setBusy(true);
    return true;
}

void ReconcilePage::cancel()
{
    if (m_source && m_running)
        m_source->stop();
}

void ReconcilePage::setBusy(bool busy)
{
    m_run->setEnabled(!busy && m_source);
    m_cancel->setEnabled(busy);
    m_progress->setVisible(busy);
    const bool shown = !m_model->report().flow.isEmpty();
    m_exportCsv->setEnabled(!busy && shown);
    m_exportJson->setEnabled(!busy && shown);
}

QString ReconcilePage::statusText() const
{
    return m_status->text();
}

void ReconcilePage::showReport(const models::ReconcileReport &report)
{
    m_model->setReport(report);
    m_ids->clear();
    m_idsTitle->setText(tr("Click a count above to list its event_ids; double-click one to trace it."));
    if (!report.error.isEmpty()) {
        m_status->setText(tr("Could not reconcile %1: %2").arg(report.flow, report.error));
        m_source_->clear();
        m_verdicts->clear();
        setBusy(false);
        return;
    }
    const QString zone = report.from.toLocalTime().timeZoneAbbreviation();
    m_status->setText(tr("%1 from %2 to %3 (%4): %5 in %6 s")
                          .arg(report.flow, report.from.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                               report.to.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), zone,
                               report.reconciled() ? tr("reconciled")
                                   : report.complete() ? tr("differences found")
                                                       : tr("not every system could be read"))
                          .arg(report.elapsedMs / 1000.0, 0, 'f', 1));
    QString source = tr("Source %1: %2 messages, %3 event_ids, %4 copies; %5")
                         .arg(report.sourceTopics.join(QStringLiteral(", ")), QLocale().toString(report.messages),
                              QLocale().toString(report.sourceEvents), QLocale().toString(report.copies), report.sourceNote);
    for (auto it = report.unreadableReasons.cbegin(); it != report.unreadableReasons.cend(); ++it)
        source += QStringLiteral("\n  ") + tr("unreadable ×%1: %2").arg(it.value()).arg(models::capUntrusted(it.key(), 300));
    m_source_->setText(source);
    QStringList verdicts;
    for (const models::GroupReconcile &g : report.groups)
        verdicts << models::capUntrusted(g.verdict, 600);
    m_verdicts->setText(verdicts.join(QLatin1Char('\n')));
    m_table->resizeColumnsToContents();
    setBusy(false);
    // The first difference is listed at once: what the person came for.
    for (int row = 0; row < report.groups.size(); ++row) {
        for (const auto cls : {models::ReconcileClass::Missing, models::ReconcileClass::Extra}) {
            if (report.groups[row].checked() && report.groups[row].of(cls).count > 0) {
                const QModelIndex at = m_model->index(row, models::ReconcileTableModel::FirstClass + int(cls));
                m_table->setCurrentIndex(at);
                showIds(row, cls);
                return;
            }
        }
    }
}

void ReconcilePage::showIds(int row, models::ReconcileClass cls)
{
    const auto &groups = m_model->report().groups;
    if (row < 0 || row >= groups.size())
        return;
    const models::GroupReconcile &g = groups[row];
    const models::ClassIds &ids = g.of(cls);
    m_ids->clear();
    const int shown = int(std::min<qsizetype>(ids.eventIds.size(), kShownIds));
    QStringList items;
    items.reserve(shown);
    for (int i = 0; i < shown; ++i)
        items << models::capUntrusted(ids.eventIds[i], 300);
    m_ids->addItems(items);
    QString title = tr("%1 of %2: %3 event_id(s)").arg(models::reconcileClassTitle(cls), g.group, QLocale().toString(ids.count));
    if (ids.count > shown)
        title += tr(", the first %1 shown (Export JSON for the report)").arg(QLocale().toString(shown));
    if (cls == models::ReconcileClass::Extra && !g.extraExplanation.isEmpty())
        title += QStringLiteral(" — ") + g.extraExplanation;
    m_idsTitle->setText(title);
    m_trace->setEnabled(false);
}

void ReconcilePage::exportTo(bool json)
{
    const models::ReconcileReport &report = m_model->report();
    const QString suggested = QStringLiteral("reconcile-%1-%2.%3")
                                  .arg(report.flow, report.from.toUTC().toString(QStringLiteral("yyyyMMddTHHmmssZ")),
                                       json ? QStringLiteral("json") : QStringLiteral("csv"));
    const QString path = QFileDialog::getSaveFileName(this, json ? tr("Export JSON") : tr("Export CSV"), suggested,
                                                      json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    const QByteArray bytes = json ? QJsonDocument(models::reconcileToJson(report, kShownIds, true)).toJson(QJsonDocument::Indented)
                                  : models::reconcileToCsv(report, true).toUtf8();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        QMessageBox::warning(this, tr("Export"), tr("Could not write %1: %2").arg(path, file.errorString()));
}

} // namespace idem::ui
