#include "models/core/statuscolours.h"
#include "ui/pages/tracepage.h"

#include "models/core/untrustedtext.h"
#include "models/trace/tracehopmodel.h"
#include "models/trace/tracesource.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

constexpr int kRecentMax = 20;

QString rangesText(const models::TraceResult &r)
{
    QStringList lines;
    QMap<QString, QList<int>> read;
    for (const models::ScannedRange &s : r.scanned)
        read[s.topic].append(s.partition);
    QStringList where;
    for (auto it = read.cbegin(); it != read.cend(); ++it)
        where << models::describePartitions(it.key(), it.value());
    if (!where.isEmpty())
        lines << QObject::tr("Read %1 messages of %2.").arg(QLocale().toString(r.messagesScanned), where.join(QStringLiteral(", ")));
    int shown = 0;
    for (const models::NotScannedRange &n : r.notScanned) {
        if (++shown > 6) {
            lines << QObject::tr("… and %1 more ranges not read (Export JSON lists them all).").arg(r.notScanned.size() - 6);
            break;
        }
        lines << QObject::tr("Not read: %1[%2] offsets %3 to %4: %5%6")
                     .arg(n.topic)
                     .arg(n.partition)
                     .arg(n.from)
                     .arg(n.to)
                     .arg(models::notScannedReasonName(n.reason),
                          n.detail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(n.detail));
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

TracePage::TracePage(QWidget *parent)
    : QWidget(parent)
    , m_hops(new models::TraceHopModel(this))
{
    m_eventId = new QLineEdit(this);
    m_eventId->setObjectName(QStringLiteral("traceEventId"));
    m_eventId->setPlaceholderText(tr("event_id to trace"));
    m_eventId->setClearButtonEnabled(true);
    m_eventId->setMaxLength(1024); // longer input is refused with a reason, not cut silently
    m_flow = new QComboBox(this);
    m_flow->setObjectName(QStringLiteral("traceFlow"));
    m_flow->addItem(tr("All flows"), QString());
    m_from = new QLineEdit(this);
    m_from->setObjectName(QStringLiteral("traceFrom"));
    m_from->setPlaceholderText(tr("from (e.g. -1h, 2026-12-01T09:00Z)"));
    m_to = new QLineEdit(this);
    m_to->setObjectName(QStringLiteral("traceTo"));
    m_to->setPlaceholderText(tr("to (default now)"));
    m_traceButton = new QPushButton(tr("Trace"), this);
    m_traceButton->setObjectName(QStringLiteral("traceButton"));
    m_traceButton->setDefault(true);
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("traceCancel"));
    m_cancelButton->setEnabled(false);
    m_recentButton = new QToolButton(this);
    m_recentButton->setObjectName(QStringLiteral("traceRecent"));
    m_recentButton->setText(tr("Recent"));
    m_recentButton->setPopupMode(QToolButton::InstantPopup);
    m_recentButton->setMenu(new QMenu(m_recentButton));
    auto *search = new QHBoxLayout;
    search->addWidget(m_eventId, 3);
    search->addWidget(m_flow, 1);
    search->addWidget(m_from, 1);
    search->addWidget(m_to, 1);
    search->addWidget(m_traceButton);
    search->addWidget(m_cancelButton);
    search->addWidget(m_recentButton);

    m_input = new QLabel(this);
    m_input->setObjectName(QStringLiteral("traceInputError"));
    m_input->setTextFormat(Qt::PlainText);
    m_input->setStyleSheet(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Error));
    m_input->setWordWrap(true);
    m_input->hide();

    m_verdict = new QLabel(tr("Type or paste an event_id and press Enter (Ctrl+F from anywhere)."), this);
    m_verdict->setObjectName(QStringLiteral("traceVerdict"));
    m_verdict->setTextFormat(Qt::PlainText);
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_verdict->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_verdict->setFont(big);
    m_code = new QLabel(this);
    m_code->setObjectName(QStringLiteral("traceVerdictCode"));
    m_code->setTextFormat(Qt::PlainText);
    m_code->setStyleSheet(QStringLiteral("color: palette(mid)"));

    auto *copyId = new QPushButton(tr("Copy event_id"), this);
    copyId->setObjectName(QStringLiteral("traceCopyId"));
    auto *copyTrace = new QPushButton(tr("Copy trace"), this);
    copyTrace->setObjectName(QStringLiteral("traceCopy"));
    auto *exportButton = new QPushButton(tr("Export JSON…"), this);
    exportButton->setObjectName(QStringLiteral("traceExport"));
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_code, 1);
    actions->addWidget(copyId);
    actions->addWidget(copyTrace);
    actions->addWidget(exportButton);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("traceProgress"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_steps = new QTreeWidget(this);
    m_steps->setObjectName(QStringLiteral("traceSteps"));
    m_steps->setRootIsDecorated(false);
    m_steps->setColumnCount(4);
    m_steps->setHeaderLabels({tr("Step"), tr("State"), tr("Detail"), tr("Time")});
    m_steps->header()->resizeSection(0, 260);
    m_steps->header()->resizeSection(1, 90);
    m_steps->header()->resizeSection(2, 420);
    m_steps->setMaximumHeight(150);

    m_hopsView = new QTableView(this);
    m_hopsView->setObjectName(QStringLiteral("traceHops"));
    m_hopsView->setModel(m_hops);
    m_hopsView->verticalHeader()->hide();
    m_hopsView->horizontalHeader()->setStretchLastSection(true);
    m_hopsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_hopsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_hopsView->setWordWrap(false);
    m_hopsView->setAlternatingRowColors(true);
    m_hopsView->horizontalHeader()->resizeSection(models::TraceHopModel::Time, 200);
    m_hopsView->horizontalHeader()->resizeSection(models::TraceHopModel::Hop, 140);
    m_hopsView->horizontalHeader()->resizeSection(models::TraceHopModel::System, 120);
    m_hopsView->horizontalHeader()->resizeSection(models::TraceHopModel::Location, 120);
    m_hopsView->horizontalHeader()->resizeSection(models::TraceHopModel::Status, 110);
    m_hopsView->horizontalHeader()->resizeSection(models::TraceHopModel::Attempt, 60);
    m_record = new QPlainTextEdit(this);
    m_record->setObjectName(QStringLiteral("traceRecord"));
    m_record->setReadOnly(true);
    m_record->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_record->setPlaceholderText(tr("Select a hop on a topic to see its record: headers, key and payload."));
    m_record->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_record->setMaximumBlockCount(100000);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_hopsView);
    split->addWidget(m_record);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    m_ranges = new QLabel(this);
    m_ranges->setObjectName(QStringLiteral("traceRanges"));
    m_ranges->setTextFormat(Qt::PlainText);
    m_ranges->setWordWrap(true);
    m_ranges->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_index = new QLabel(this);
    m_index->setObjectName(QStringLiteral("traceIndex"));
    m_index->setTextFormat(Qt::PlainText);
    m_index->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_index->setVisible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(search);
    layout->addWidget(m_input);
    layout->addWidget(m_verdict);
    layout->addLayout(actions);
    layout->addWidget(m_progress);
    layout->addWidget(m_steps);
    layout->addWidget(split, 1);
    layout->addWidget(m_ranges);
    layout->addWidget(m_index);

    connect(m_eventId, &QLineEdit::returnPressed, this, [this] { trace(m_eventId->text()); });
    connect(m_traceButton, &QPushButton::clicked, this, [this] { trace(m_eventId->text()); });
    connect(m_cancelButton, &QPushButton::clicked, this, &TracePage::cancel);
    connect(m_hopsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &TracePage::showRecord);
    connect(copyId, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_result.query.eventId.isEmpty() ? m_eventId->text() : m_result.query.eventId);
    });
    connect(copyTrace, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(models::traceToText(m_result)); });
    connect(exportButton, &QPushButton::clicked, this, &TracePage::exportJson);
    connect(m_recentButton->menu(), &QMenu::aboutToShow, this, [this] {
        QMenu *menu = m_recentButton->menu();
        menu->clear();
        if (m_recent.isEmpty())
            menu->addAction(tr("No recent searches"))->setEnabled(false);
        for (const QString &id : std::as_const(m_recent)) {
            menu->addAction(models::capUntrusted(id, 80), this, [this, id] {
                m_eventId->setText(id);
                trace(id);
            });
        }
    });

    m_recent = QSettings().value(QStringLiteral("trace/recent")).toStringList().mid(0, kRecentMax);
}

TracePage::~TracePage() = default;

void TracePage::setSource(models::TraceSource *source)
{
    if (m_source) {
        disconnect(m_progressConnection);
        disconnect(m_finishedConnection);
        disconnect(m_indexConnection);
    }
    m_index->clear();
    m_index->setVisible(false);
    m_source = source;
    m_running = 0;
    setBusy(false);
    while (m_flow->count() > 1)
        m_flow->removeItem(1);
    if (!source)
        return;
    for (const QString &flow : source->flows())
        m_flow->addItem(flow, flow);
    m_progressConnection = connect(source, &models::TraceSource::progress, this, &TracePage::onProgress);
    m_finishedConnection = connect(source, &models::TraceSource::finished, this, &TracePage::onFinished);
    m_indexConnection = connect(source, &models::TraceSource::indexSummaryChanged, this, [this](const QString &text) {
        m_index->setText(text);
        m_index->setVisible(true);
    });
}

bool TracePage::trace(const QString &text)
{
    const QString eventId = text.trimmed();
    auto refuse = [this](const QString &why) {
        m_input->setText(why);
        m_input->show();
        return false;
    };
    if (const QString bad = models::checkEventId(eventId); !bad.isEmpty())
        return refuse(bad.left(1).toUpper() + bad.mid(1) + QLatin1Char('.'));
    models::TraceQuery query;
    query.eventId = eventId;
    query.flow = m_flow->currentData().toString();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (QLineEdit *edit : {m_from, m_to}) {
        if (edit->text().trimmed().isEmpty())
            continue;
        auto t = models::parseTraceTime(edit->text(), now);
        if (!t)
            return refuse((edit == m_from ? tr("From: %1") : tr("To: %1")).arg(t.error()));
        (edit == m_from ? query.from : query.to) = t.value();
    }
    if (query.from.isValid() && query.to.isValid() && query.from >= query.to)
        return refuse(tr("From must be before To."));
    if (!m_source)
        return refuse(tr("Tracing starts once the configuration is loaded."));
    m_input->hide();
    if (m_eventId->text() != eventId)
        m_eventId->setText(eventId);
    remember(eventId);
    m_result = models::TraceResult();
    m_result.query = query;
    m_hops->setHops({});
    m_record->clear();
    m_ranges->clear();
    m_steps->clear();
    m_code->clear();
    m_verdict->setText(tr("Tracing %1…").arg(models::capUntrusted(eventId, 80)));
    m_progress->setValue(0);
    m_running = m_source->trace(query);
    setBusy(true);
    return true;
}

void TracePage::cancel()
{
    if (m_source && m_running)
        m_source->stop();
}

void TracePage::setBusy(bool busy)
{
    m_cancelButton->setEnabled(busy);
    m_progress->setVisible(busy || m_progress->value() > 0);
}

void TracePage::onProgress(quint64 id, const QList<models::TraceStep> &steps, qint64 scanned)
{
    if (id != m_running)
        return;
    showSteps(steps);
    Q_UNUSED(scanned);
}

void TracePage::showSteps(const QList<models::TraceStep> &steps)
{
    m_steps->clear();
    int done = 0, percentSum = 0;
    for (const models::TraceStep &s : steps) {
        auto *item = new QTreeWidgetItem(m_steps, {s.name, models::traceStepStateName(s.state), s.detail,
                                                   tr("%1 ms").arg(s.elapsedMs)});
        item->setToolTip(2, models::plainTextToolTip(s.detail));
        if (s.state == models::TraceStep::State::Failed || s.state == models::TraceStep::State::TimedOut)
            item->setForeground(1, models::statusColour(models::StatusColour::Error, palette()));
        const bool finished = s.state != models::TraceStep::State::Pending && s.state != models::TraceStep::State::Running;
        done += finished ? 1 : 0;
        percentSum += finished ? 100 : std::max(0, s.percent);
    }
    if (!steps.isEmpty())
        m_progress->setValue(percentSum / int(steps.size()));
}

void TracePage::onFinished(quint64 id, const models::TraceResult &result)
{
    if (id != m_running)
        return;
    m_running = 0;
    m_result = result;
    setBusy(false);
    m_progress->setValue(100);
    showSteps(result.steps);
    if (!result.error.isEmpty()) {
        m_verdict->setText(result.error);
        m_code->setText(tr("error"));
    } else {
        m_verdict->setText(result.verdict.text);
        m_code->setText(tr("Verdict: %1 · %n hop(s)", nullptr, int(result.hops.size())).arg(result.verdict.code));
    }
    m_hops->setHops(result.hops);
    m_ranges->setText(rangesText(result));
    // The first hop with a record, selected: its record is one click away at most.
    for (int row = 0; row < m_hops->rowCount(); ++row) {
        if (m_hops->hop(row)->record) {
            m_hopsView->selectRow(row);
            break;
        }
    }
    emit traceFinished(result.error.isEmpty() ? result.verdict.code : QStringLiteral("error"));
}

void TracePage::showRecord()
{
    const models::TraceHop *hop = m_hops->hop(m_hopsView->currentIndex().row());
    m_record->setPlainText(hop ? models::describeRecord(*hop) : QString());
}

QString TracePage::recordText() const
{
    return m_record->toPlainText();
}

QString TracePage::verdictText() const
{
    return m_verdict->text();
}

QString TracePage::verdictCode() const
{
    return m_result.error.isEmpty() ? m_result.verdict.code : QStringLiteral("error");
}

void TracePage::remember(const QString &eventId)
{
    m_recent.removeAll(eventId);
    m_recent.prepend(eventId);
    while (m_recent.size() > kRecentMax)
        m_recent.removeLast();
    QSettings().setValue(QStringLiteral("trace/recent"), m_recent);
}

void TracePage::exportJson()
{
    if (m_result.query.eventId.isEmpty())
        return;
    QString name = m_result.query.eventId;
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export trace"), QStringLiteral("trace-%1.json").arg(name.left(80)),
                                                      tr("JSON (*.json)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(QJsonDocument(models::traceToJson(m_result, true)).toJson(QJsonDocument::Indented)) < 0) {
        QMessageBox::warning(this, tr("Export trace"), tr("Cannot write %1: %2").arg(path, file.errorString()));
    }
}

} // namespace idem::ui
