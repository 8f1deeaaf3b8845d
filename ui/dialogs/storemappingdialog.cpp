#include "ui/dialogs/storemappingdialog.h"

#include "models/config/connectiontools.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace idem::ui {

namespace {

constexpr int kSampleRows = 5;

QTableWidgetItem *item(const QString &text)
{
    auto *i = new QTableWidgetItem(text);
    i->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return i;
}

} // namespace

StoreMappingDialog::StoreMappingDialog(models::StoreConfig store, models::ConnectionTools *tools, QWidget *parent)
    : QDialog(parent)
    , m_store(std::move(store))
    , m_tools(tools)
{
    setObjectName(QStringLiteral("storeMappingDialog"));
    setWindowTitle(tr("Map store %1").arg(m_store.name));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("mappingStatus"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_columns = new QTableWidget(0, 4, this);
    m_columns->setObjectName(QStringLiteral("proposedColumns"));
    m_columns->setHorizontalHeaderLabels({tr("Table"), tr("Idem reads"), tr("Column in the store"), tr("Score")});
    m_columns->horizontalHeader()->setStretchLastSection(true);
    m_columns->verticalHeader()->hide();
    m_samples = new QTableWidget(0, 0, this);
    m_samples->setObjectName(QStringLiteral("sampleRows"));
    m_samples->verticalHeader()->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_use = buttons->addButton(tr("Use this mapping"), QDialogButtonBox::AcceptRole);
    m_use->setObjectName(QStringLiteral("useMapping"));
    m_use->setEnabled(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_columns, 2);
    layout->addWidget(new QLabel(tr("Sample rows of the registry (read-only, at most %1):").arg(kSampleRows), this));
    layout->addWidget(m_samples, 1);
    layout->addWidget(buttons);
    resize(760, 620);

    if (!m_tools) {
        m_status->setText(tr("Nothing here can read the store."));
        return;
    }
    connect(m_tools, &models::ConnectionTools::storeDescribed, this, &StoreMappingDialog::described);
    connect(m_tools, &models::ConnectionTools::rowsSampled, this, &StoreMappingDialog::sampled);
    m_status->setText(tr("Reading the tables of store %1…").arg(m_store.name));
    m_describe = m_tools->describeStore(m_store);
}

models::StoreConfig StoreMappingDialog::mappedStore() const
{
    models::StoreConfig out = m_store;
    if (m_proposal.ok()) {
        out.registry = m_proposal.registryMapping();
        if (!m_proposal.attemptsTable.isEmpty())
            out.attempts = m_proposal.attemptsMapping();
    }
    return out;
}

void StoreMappingDialog::described(const models::StoreSchemaReply &reply)
{
    if (reply.request != m_describe)
        return;
    if (!reply.error.isEmpty()) {
        m_status->setText(tr("The tables could not be read: %1").arg(reply.error));
        return;
    }
    m_proposal = models::proposeMapping(reply.tables);
    if (!m_proposal.ok()) {
        m_status->setText(m_proposal.error);
        return;
    }
    auto addRows = [this](const QString &table, const QList<models::ColumnChoice> &choices) {
        for (const models::ColumnChoice &c : choices) {
            const int row = m_columns->rowCount();
            m_columns->insertRow(row);
            m_columns->setItem(row, 0, item(table));
            m_columns->setItem(row, 1, item(c.logical));
            m_columns->setItem(row, 2, item(c.column.isEmpty() ? tr("(none found)") : c.column));
            m_columns->setItem(row, 3, item(c.column.isEmpty() ? QString() : QString::number(c.score)));
        }
    };
    addRows(m_proposal.registryTable, m_proposal.registryColumns);
    addRows(m_proposal.attemptsTable, m_proposal.attemptsColumns);
    m_columns->resizeColumnsToContents();
    QStringList text{tr("Proposed: registry %1, attempts %2. Check the columns and the sample rows, then use the "
                        "mapping; nothing is saved until you save the connections.")
                         .arg(m_proposal.registryTable,
                              m_proposal.attemptsTable.isEmpty() ? tr("(none)") : m_proposal.attemptsTable)};
    text += m_proposal.notes;
    m_status->setText(text.join(QLatin1Char('\n')));
    m_use->setEnabled(true);

    QStringList columns;
    for (const models::ColumnChoice &c : std::as_const(m_proposal.registryColumns)) {
        if (!c.column.isEmpty())
            columns << c.column;
    }
    m_sample = m_tools ? m_tools->sampleRows(m_store, m_proposal.registryTable, columns, kSampleRows) : 0;
}

void StoreMappingDialog::sampled(const models::SampleRowsReply &reply)
{
    if (reply.request != m_sample)
        return;
    if (!reply.error.isEmpty()) {
        m_samples->setColumnCount(1);
        m_samples->setHorizontalHeaderLabels({tr("Sample rows")});
        m_samples->setRowCount(1);
        m_samples->setItem(0, 0, item(tr("not read: %1").arg(reply.error)));
        return;
    }
    m_samples->setColumnCount(int(reply.columns.size()));
    m_samples->setHorizontalHeaderLabels(reply.columns);
    m_samples->setRowCount(int(reply.rows.size()));
    for (int r = 0; r < reply.rows.size(); ++r) {
        for (int c = 0; c < reply.rows[r].size(); ++c)
            m_samples->setItem(r, c, item(reply.rows[r][c]));
    }
    m_samples->resizeColumnsToContents();
}

} // namespace idem::ui
