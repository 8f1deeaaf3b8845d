#include "ui/pages/deadletterspage.h"

#include "models/core/untrustedtext.h"
#include "models/deadletters/deadlettertablemodel.h"
#include "models/deadletters/recordview.h"
#include "models/envelope/failuretablemodel.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

QLabel *plainLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

} // namespace

DeadLettersPage::DeadLettersPage(QWidget *parent)
    : QWidget(parent)
{
    m_model = new models::DeadLetterTableModel(nullptr, this);

    m_flows = new QComboBox(this);
    m_flows->setObjectName(QStringLiteral("deadLetterFlow"));
    m_summary = plainLabel(this);
    m_summary->setObjectName(QStringLiteral("deadLetterSummary"));

    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("deadLetterText"));
    m_text->setPlaceholderText(tr("event_id, key or error"));
    m_text->setClearButtonEnabled(true);
    m_failure = new QComboBox(this);
    m_failure->setObjectName(QStringLiteral("deadLetterFailure"));
    m_failure->setEditable(true);
    m_failure->setMinimumWidth(220);
    m_failure->lineEdit()->setPlaceholderText(tr("any failure"));
    m_group = new QComboBox(this);
    m_group->setObjectName(QStringLiteral("deadLetterGroup"));
    m_group->setEditable(true);
    m_group->lineEdit()->setPlaceholderText(tr("any group"));
    m_useFrom = new QCheckBox(tr("from"), this);
    m_from = new QDateTimeEdit(QDateTime::currentDateTime().addDays(-1), this);
    m_from->setCalendarPopup(true);
    m_from->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_useTo = new QCheckBox(tr("to"), this);
    m_to = new QDateTimeEdit(QDateTime::currentDateTime(), this);
    m_to->setCalendarPopup(true);
    m_to->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_filter = new QPushButton(tr("Filter"), this);
    m_filter->setObjectName(QStringLiteral("deadLetterFilterButton"));
    m_filter->setToolTip(tr("Read every retained dead letter and keep those that match"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("deadLetterCancel"));
    m_cancel->setEnabled(false);
    m_showAll = new QPushButton(tr("Show all"), this);
    m_showAll->setObjectName(QStringLiteral("deadLetterShowAll"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("deadLetterProgress"));
    m_progress->setMaximumWidth(180);
    m_progress->setVisible(false);
    m_scanText = plainLabel(this);
    m_scanText->setObjectName(QStringLiteral("deadLetterScanSummary"));
    m_orderText = plainLabel(this);
    m_orderText->setObjectName(QStringLiteral("deadLetterOrder"));
    m_orderText->setVisible(false);

    auto *refresh = new QPushButton(tr("Refresh"), this);
    refresh->setObjectName(QStringLiteral("deadLetterRefresh"));
    refresh->setToolTip(tr("Read the topic's offsets again: new dead letters, retention moved"));
    connect(refresh, &QPushButton::clicked, this, [this] {
        if (!m_model->flow().isEmpty())
            showFlow(m_model->flow());
    });
    m_replay = new QPushButton(tr("Request replay…"), this);
    m_replay->setObjectName(QStringLiteral("deadLetterRequestReplay"));
    m_replay->setToolTip(tr("Replay the selected dead letters (or, with a filter shown, every match); another "
                            "person approves it"));
    m_replay->setVisible(false); // until there is an ops database to ask
    m_replay->setEnabled(false);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Flow"), this));
    top->addWidget(m_flows);
    top->addWidget(m_summary, 1);
    top->addWidget(refresh);
    top->addWidget(m_replay);
    auto *filters = new QHBoxLayout;
    filters->addWidget(m_text, 3);
    filters->addWidget(m_failure, 3);
    filters->addWidget(m_group, 2);
    filters->addWidget(m_filter);
    filters->addWidget(m_cancel);
    filters->addWidget(m_showAll);
    auto *times = new QHBoxLayout;
    times->addWidget(m_useFrom);
    times->addWidget(m_from);
    times->addWidget(m_useTo);
    times->addWidget(m_to);
    times->addWidget(m_scanText, 1);
    times->addWidget(m_orderText);
    times->addWidget(m_progress);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("deadLettersView"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    // Fixed row heights: the view never asks every row for its size.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    const auto widths = {std::pair{models::DeadLetterTableModel::DeadLetteredAt, 190},
                         {models::DeadLetterTableModel::EventId, 200},
                         {models::DeadLetterTableModel::EntityKey, 110},
                         {models::DeadLetterTableModel::Type, 130},
                         {models::DeadLetterTableModel::Error, 260},
                         {models::DeadLetterTableModel::Failure, 200},
                         {models::DeadLetterTableModel::Attempts, 60},
                         {models::DeadLetterTableModel::ConsumerGroup, 110},
                         {models::DeadLetterTableModel::Origin, 150},
                         {models::DeadLetterTableModel::Processed, 170}};
    for (const auto &[column, width] : widths)
        m_view->horizontalHeader()->resizeSection(column, width);

    m_failures = new models::FailureTableModel(this);
    auto *failuresProxy = new QSortFilterProxyModel(this);
    failuresProxy->setSourceModel(m_failures);
    failuresProxy->setSortRole(models::FailureTableModel::SortRole);
    m_failuresView = new QTableView(this);
    m_failuresView->setObjectName(QStringLiteral("deadLetterFailuresView"));
    m_failuresView->setModel(failuresProxy);
    m_failuresView->setSortingEnabled(true);
    m_failuresView->sortByColumn(models::FailureTableModel::Count, Qt::DescendingOrder);
    m_failuresView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_failuresView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_failuresView->verticalHeader()->hide();
    m_failuresView->horizontalHeader()->setStretchLastSection(true);
    m_failuresView->horizontalHeader()->resizeSection(models::FailureTableModel::Failure, 250);
    m_failuresView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_failuresView->verticalHeader()->setDefaultSectionSize(m_failuresView->fontMetrics().height() + 6);
    m_failuresView->setWordWrap(false);
    m_failuresView->setToolTip(tr("Failure groups of every dead letter read; double-click to filter by one"));

    m_recordTitle = plainLabel(this);
    m_recordTitle->setObjectName(QStringLiteral("deadLetterRecordTitle"));
    m_recordTitle->setText(tr("Double-click a dead letter (or press Enter) to read its record."));
    m_record = new QPlainTextEdit(this);
    m_record->setObjectName(QStringLiteral("deadLetterRecord"));
    m_record->setReadOnly(true);
    m_record->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_record->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_copyEventId = new QPushButton(tr("Copy event_id"), this);
    m_copyEventId->setObjectName(QStringLiteral("deadLetterCopyEventId"));
    m_copyEventId->setEnabled(false);
    m_copyPayload = new QPushButton(tr("Copy payload"), this);
    m_copyPayload->setObjectName(QStringLiteral("deadLetterCopyPayload"));
    m_copyPayload->setEnabled(false);
    m_trace = new QPushButton(tr("Trace event"), this);
    m_trace->setObjectName(QStringLiteral("deadLetterTrace"));
    m_trace->setToolTip(tr("Follow this event_id across topics, consumer groups and stores"));
    m_trace->setEnabled(false);

    auto *recordPane = new QWidget(this);
    auto *recordLayout = new QVBoxLayout(recordPane);
    recordLayout->setContentsMargins(0, 0, 0, 0);
    auto *recordBar = new QHBoxLayout;
    recordBar->addWidget(m_recordTitle, 1);
    recordBar->addWidget(m_copyEventId);
    recordBar->addWidget(m_copyPayload);
    recordBar->addWidget(m_trace);
    recordLayout->addLayout(recordBar);
    recordLayout->addWidget(m_record, 1);

    auto *failuresPane = new QWidget(this);
    auto *failuresLayout = new QVBoxLayout(failuresPane);
    failuresLayout->setContentsMargins(0, 0, 0, 0);
    auto *failuresTitle = new QLabel(tr("Failure groups of the whole retained topic"), this);
    failuresLayout->addWidget(failuresTitle);
    failuresLayout->addWidget(m_failuresView, 1);

    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(failuresPane);
    bottom->addWidget(recordPane);
    bottom->setStretchFactor(0, 1);
    bottom->setStretchFactor(1, 1);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(filters);
    layout->addLayout(times);
    layout->addWidget(split, 1);

    connect(m_flows, &QComboBox::activated, this, [this] { showFlow(m_flows->currentText()); });
    connect(m_filter, &QPushButton::clicked, this, &DeadLettersPage::runFilter);
    connect(m_text, &QLineEdit::returnPressed, this, &DeadLettersPage::runFilter);
    connect(m_cancel, &QPushButton::clicked, this, &DeadLettersPage::cancelFilter);
    connect(m_showAll, &QPushButton::clicked, this, &DeadLettersPage::clearFilter);
    connect(m_view, &QTableView::activated, this, [this](const QModelIndex &index) { openRecord(index.row()); });
    // "Dead-lettered at" sorts by time; the model says what the order covers.
    m_view->horizontalHeader()->setSectionsClickable(true);
    connect(m_view->horizontalHeader(), &QHeaderView::sectionClicked, this, &DeadLettersPage::sortClicked);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeadLettersPage::selectionChanged);
    connect(m_failuresView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeadLettersPage::selectionChanged);
    connect(m_failuresView, &QTableView::activated, this, [this] {
        const QString key = selectedFailureGroup();
        if (key.isEmpty())
            return;
        m_failure->setEditText(key);
        runFilter();
    });
    connect(m_model, &models::DeadLetterTableModel::opened, this, &DeadLettersPage::onLayout);
    m_retry.setInterval(5000);
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this] {
        if (!isVisible() || m_model->flow().isEmpty()) {
            m_retry.start();
            return;
        }
        m_scanAfterLayout = true;
        m_model->refresh();
    });
    connect(m_copyEventId, &QPushButton::clicked, this, &DeadLettersPage::copyEventId);
    connect(m_trace, &QPushButton::clicked, this, [this] {
        if (!m_recordEventId.isEmpty())
            emit traceRequested(m_recordEventId);
    });
    connect(m_replay, &QPushButton::clicked, this, [this] {
        const QList<models::DeadLetterRef> items = replaySelection();
        if (!items.isEmpty())
            emit replayRequested(m_model->flow(), items);
    });
    connect(this, &DeadLettersPage::selectionChanged, this, &DeadLettersPage::updateReplayButton);
    connect(m_model, &QAbstractItemModel::modelReset, this, &DeadLettersPage::updateReplayButton);
    connect(this, &DeadLettersPage::scanFinished, this, &DeadLettersPage::updateReplayButton);
    connect(m_copyPayload, &QPushButton::clicked, this, &DeadLettersPage::copyPayload);
}

DeadLettersPage::~DeadLettersPage()
{
    if (m_source && m_scanTicket)
        m_source->cancel(m_scanTicket);
}

void DeadLettersPage::setSource(models::DeadLetterSource *source)
{
    if (m_source && m_scanTicket)
        m_source->cancel(m_scanTicket);
    if (m_source && m_recordTicket)
        m_source->cancel(m_recordTicket);
    m_scanTicket = 0;
    m_recordTicket = 0;
    m_progress->setVisible(false);
    m_cancel->setEnabled(false);
    m_source = source;
    delete m_model;
    m_model = new models::DeadLetterTableModel(source, this);
    m_view->setModel(m_model);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DeadLettersPage::selectionChanged);
    connect(m_model, &models::DeadLetterTableModel::opened, this, &DeadLettersPage::onLayout);
    connect(m_model, &QAbstractItemModel::modelReset, this, &DeadLettersPage::updateReplayButton);
    connect(m_model, &QAbstractItemModel::modelReset, this, &DeadLettersPage::showOrder);
    updateReplayButton();
    showOrder();
    m_flows->clear();
    if (!source)
        return;
    m_flows->addItems(source->flows());
    connect(source, &models::DeadLetterSource::scanProgress, this, &DeadLettersPage::onScanProgress);
    connect(source, &models::DeadLetterSource::scanFinished, this, &DeadLettersPage::onScanFinished);
    connect(source, &models::DeadLetterSource::recordReady, this, &DeadLettersPage::onRecord);
    if (m_flows->count() == 0)
        m_summary->setText(tr("No flow of this environment has a dead-letter topic."));
}

QString DeadLettersPage::flow() const
{
    return m_model->flow();
}

void DeadLettersPage::showFlow(const QString &flow, const QString &failure)
{
    if (!m_source)
        return;
    const int i = m_flows->findText(flow);
    if (i < 0)
        return;
    m_flows->setCurrentIndex(i);
    cancelFilter();
    m_text->clear();
    m_failure->setEditText(failure);
    m_group->setEditText(QString());
    m_useFrom->setChecked(false);
    m_useTo->setChecked(false);
    m_record->clear();
    m_recordTitle->setText(tr("Double-click a dead letter (or press Enter) to read its record."));
    m_copyEventId->setEnabled(false);
    m_copyPayload->setEnabled(false);
    m_summary->setText(tr("Opening %1…").arg(flow));
    if (m_model->flow() != flow)
        m_failures->clear();
    m_model->open(flow);
    // Failure groups of the whole topic (and the filter, when one is asked).
    startScan(filterFromFields());
}

void DeadLettersPage::onLayout(const models::DeadLetterLayout &layout)
{
    if (layout.total() == 0 || !layout.error.isEmpty())
        m_retry.start();
    else if (m_scanAfterLayout && !m_scanTicket)
        startScan({}); // the first dead letters arrived: their failure groups
    m_scanAfterLayout = false;
    if (!layout.error.isEmpty() && layout.partitions.isEmpty()) {
        m_summary->setText(tr("%1: cannot be read: %2").arg(layout.topic.isEmpty() ? layout.flow : layout.topic,
                                                           models::capUntrusted(layout.error, 500)));
        return;
    }
    QString text = tr("%1: %2 dead letters retained in %n partition(s); newest first", nullptr,
                      int(layout.partitions.size()))
                       .arg(layout.topic, QLocale().toString(layout.total()));
    if (!layout.error.isEmpty())
        text += tr(" (not answered: %1)").arg(models::capUntrusted(layout.error, 300));
    m_summary->setText(text);
}

models::DeadLetterFilter DeadLettersPage::filterFromFields() const
{
    models::DeadLetterFilter f;
    f.text = m_text->text().trimmed();
    // A failure picked from the list filters by its key; typed text by its label.
    const QString failure = m_failure->currentText().trimmed();
    const int picked = failure.isEmpty() ? -1 : m_failure->findText(failure);
    f.failure = picked >= 0 ? m_failure->itemData(picked).toString() : failure;
    f.consumerGroup = m_group->currentText().trimmed();
    if (m_useFrom->isChecked())
        f.from = m_from->dateTime().toUTC();
    if (m_useTo->isChecked())
        f.to = m_to->dateTime().toUTC();
    return f;
}

void DeadLettersPage::runFilter()
{
    if (!m_source || m_model->flow().isEmpty())
        return;
    const models::DeadLetterFilter filter = filterFromFields();
    if (filter.isEmpty()) {
        clearFilter();
        return;
    }
    startScan(filter);
}

void DeadLettersPage::startScan(const models::DeadLetterFilter &filter)
{
    if (m_scanTicket)
        m_source->cancel(m_scanTicket);
    m_scanFiltered = !filter.isEmpty();
    m_scanTicket = m_source->requestScan(m_model->flow(), filter);
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_cancel->setEnabled(true);
    m_scanText->setText(m_scanFiltered ? tr("Filtering (%1): reading every retained dead letter…").arg(filter.describe())
                                       : tr("Reading every retained dead letter for the failure groups…"));
}

void DeadLettersPage::cancelFilter()
{
    if (!m_scanTicket || !m_source)
        return;
    m_source->cancel(m_scanTicket);
    m_scanTicket = 0;
    m_progress->setVisible(false);
    m_cancel->setEnabled(false);
    m_scanText->setText(tr("Cancelled: what the last complete run found is shown."));
}

void DeadLettersPage::clearFilter()
{
    if (m_scanFiltered)
        cancelFilter();
    m_text->clear();
    m_failure->setEditText(QString());
    m_group->setEditText(QString());
    m_useFrom->setChecked(false);
    m_useTo->setChecked(false);
    if (m_model->isFiltered() || m_model->showsLoadedOnly())
        m_model->showAll();
    if (!m_scanTicket && !m_lastScan.filter.isEmpty())
        m_scanText->setText(QString());
}

void DeadLettersPage::onScanProgress(quint64 ticket, qint64 read, qint64 total, qint64 matched)
{
    if (ticket != m_scanTicket)
        return;
    m_progress->setRange(0, 1000);
    m_progress->setValue(total > 0 ? int(std::min<qint64>(1000, read * 1000 / total)) : 0);
    const QLocale locale;
    m_scanText->setText(m_scanFiltered ? tr("Filtering: %1 of %2 read, %3 matched")
                                             .arg(locale.toString(read), locale.toString(total), locale.toString(matched))
                                       : tr("Failure groups: %1 of %2 read").arg(locale.toString(read), locale.toString(total)));
}

void DeadLettersPage::onScanFinished(quint64 ticket, const models::DeadLetterScan &scan)
{
    if (ticket != m_scanTicket)
        return;
    m_scanTicket = 0;
    m_progress->setVisible(false);
    m_cancel->setEnabled(false);
    m_lastScan = scan;
    if (scan.error.isEmpty() && scan.filter.isEmpty()) {
        m_failures->applyDigest(scan.failures);
        m_failures->showFlow(scan.failures.flow());
        // The failure groups and failing groups offered by the filter fields.
        const QString failureText = m_failure->currentText();
        const QString groupText = m_group->currentText();
        m_failure->clear();
        m_group->clear();
        QStringList groups;
        for (const auto &f : scan.failures.failures()) {
            m_failure->addItem(models::capUntrusted(f.group.label(), 120), f.group.key);
            for (const QString &g : f.consumerGroups) {
                if (!groups.contains(g))
                    groups << g;
            }
        }
        groups.sort();
        m_group->addItems(groups);
        m_failure->setEditText(failureText);
        m_group->setEditText(groupText);
    }
    if (!scan.filter.isEmpty())
        m_model->showMatches(scan);
    const QString prefix = scan.filter.isEmpty() ? tr("Failure groups: ") : tr("Filter (%1): ").arg(scan.filter.describe());
    m_scanText->setText(prefix + scan.summary());
    emit scanFinished(scan);
}

void DeadLettersPage::sortClicked(int section)
{
    if (section == models::DeadLetterTableModel::DeadLetteredAt) {
        m_model->sortByTime(m_model->timeOrder() == Qt::DescendingOrder ? Qt::AscendingOrder : Qt::DescendingOrder);
        m_view->scrollToTop();
    }
    showOrder();
}

void DeadLettersPage::showOrder()
{
    QHeaderView *header = m_view->horizontalHeader();
    const auto order = m_model->timeOrder();
    header->setSortIndicatorShown(order.has_value());
    if (order)
        header->setSortIndicator(models::DeadLetterTableModel::DeadLetteredAt, *order);
    const QString direction = order == Qt::AscendingOrder ? tr("oldest first") : tr("newest first");
    m_orderText->setVisible(m_model->showsLoadedOnly());
    if (m_model->showsLoadedOnly())
        m_orderText->setText(tr("Sorted by dead-lettered time, %1: the %n row(s) loaded so far; Show all lists every dead letter",
                                nullptr, m_model->rowCount())
                                 .arg(direction));
}

QString DeadLettersPage::scanSummary() const
{
    return m_scanText->text();
}

void DeadLettersPage::openRecord(int row)
{
    if (!m_source || row < 0 || row >= m_model->rowCount())
        return;
    if (m_recordTicket)
        m_source->cancel(m_recordTicket);
    const models::DeadLetterRef ref = m_model->refAt(row);
    m_recordTitle->setText(tr("Reading %1…").arg(ref.text()));
    m_record->clear();
    m_copyEventId->setEnabled(false);
    m_copyPayload->setEnabled(false);
    m_recordTicket = m_source->requestRecord(m_model->flow(), ref);
}

void DeadLettersPage::onRecord(quint64 ticket, const models::DeadLetterRecord &record)
{
    if (ticket != m_recordTicket)
        return;
    m_recordTicket = 0;
    if (!record.error.isEmpty()) {
        m_recordTitle->setText(tr("%1 could not be read: %2").arg(record.ref.text(), models::capUntrusted(record.error, 500)));
        return;
    }
    if (!record.message) {
        m_recordTitle->setText(tr("%1 is no longer retained.").arg(record.ref.text()));
        return;
    }
    m_recordEventId = record.row.eventId;
    m_recordPayload = record.message->value.value_or(QByteArray());
    const models::RecordView &view = record.view;
    m_recordTitle->setText(tr("Record %1 (%2 bytes)").arg(record.ref.text()).arg(view.size));
    QString head = tr("event_id %1\nerror    %2\nfailure  %3\nprocessed? %4\n\n")
                       .arg(record.row.eventId.isEmpty() ? tr("(none)") : record.row.eventId, record.row.errorText(),
                            record.row.failureLabel, m_model->processed(record.row.eventId).text());
    m_record->setPlainText(head + view.text());
    m_copyEventId->setEnabled(!m_recordEventId.isEmpty());
    m_trace->setEnabled(!m_recordEventId.isEmpty());
    m_copyPayload->setEnabled(record.message->value.has_value());
    emit recordShown(record.ref);
}

QString DeadLettersPage::recordText() const
{
    return m_record->toPlainText();
}

QList<models::DeadLetterRef> DeadLettersPage::replaySelection() const
{
    QList<models::DeadLetterRef> items = selectedDeadLetters();
    if (items.isEmpty() && m_model->isFiltered()) {
        for (int row = 0; row < m_model->rowCount(); ++row)
            items << m_model->refAt(row);
    }
    return items;
}

void DeadLettersPage::setReplayAvailable(bool available)
{
    m_replay->setVisible(available);
    updateReplayButton();
}

void DeadLettersPage::updateReplayButton()
{
    const qsizetype selected = selectedDeadLetters().size();
    const int matches = m_model->isFiltered() ? m_model->rowCount() : 0;
    m_replay->setEnabled(selected > 0 || matches > 0);
    m_replay->setText(selected > 0 ? tr("Request replay of %n selected…", nullptr, int(selected))
                      : matches > 0 ? tr("Request replay of %n matches…", nullptr, matches)
                                    : tr("Request replay…"));
}

void DeadLettersPage::copyEventId()
{
    QApplication::clipboard()->setText(m_recordEventId);
}

void DeadLettersPage::copyPayload()
{
    // Text payloads as text; binary ones as the hex people paste into tools.
    const models::RecordBytesView v = models::viewBytes(m_recordPayload, false);
    QApplication::clipboard()->setText(v.form == models::RecordBytesView::Form::Text ? v.text
                                                                                       : QString::fromLatin1(m_recordPayload.toHex()));
}

QList<models::DeadLetterRef> DeadLettersPage::selectedDeadLetters() const
{
    return m_model->refs(m_view->selectionModel()->selectedRows());
}

QString DeadLettersPage::selectedFailureGroup() const
{
    const QModelIndexList rows = m_failuresView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return {};
    const auto *proxy = static_cast<const QSortFilterProxyModel *>(m_failuresView->model());
    const QModelIndex source = proxy->mapToSource(rows.first());
    const QList<models::FailureCount> failures = m_failures->digest().failures();
    // The table lists the digest's failures in the same order.
    return source.row() < failures.size() ? failures[source.row()].group.key : QString();
}

} // namespace idem::ui
