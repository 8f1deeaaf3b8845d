#include "ui/dialogs/storestab.h"

#include "models/config/connectiontools.h"
#include "models/config/renames.h"
#include "models/config/secretmasking.h"
#include "ui/dialogs/connectionswidgets.h"
#include "ui/dialogs/connectiontest.h"
#include "ui/dialogs/opsdatabasebox.h"
#include "ui/dialogs/storemappingdialog.h"

#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace idem::ui::connections_detail {

namespace {

QTableWidget *mappingTable(const QStringList &logical, const QString &valueHeader, const QString &name, QWidget *parent)
{
    auto *table = new QTableWidget(int(logical.size()), 2, parent);
    table->setObjectName(name);
    table->setHorizontalHeaderLabels({ QObject::tr("Idem reads"), valueHeader });
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::AllEditTriggers);
    for (int row = 0; row < logical.size(); ++row) {
        auto *item = new QTableWidgetItem(logical[row]);
        item->setFlags(Qt::ItemIsEnabled);
        table->setItem(row, 0, item);
        table->setItem(row, 1, new QTableWidgetItem);
    }
    table->resizeColumnToContents(0);
    return table;
}

void setMapping(QTableWidget *table, const QMap<QString, QString> &values)
{
    for (int row = 0; row < table->rowCount(); ++row) {
        const QString logical = table->item(row, 0)->text();
        table->item(row, 1)->setText(values.value(logical, logical));
    }
}

// An emptied cell means the default: the logical name itself.
QMap<QString, QString> mapping(const QTableWidget *table)
{
    QMap<QString, QString> values;
    for (int row = 0; row < table->rowCount(); ++row) {
        const QString logical = table->item(row, 0)->text();
        const QString value = table->item(row, 1)->text().trimmed();
        values.insert(logical, value.isEmpty() ? logical : value);
    }
    return values;
}

} // namespace

StoresTab::StoresTab(models::EnvironmentConfig *env, QWidget *parent)
    : QWidget(parent)
    , m_env(env)
{
    m_editor = new QWidget(this);
    m_name = lineEdit(QStringLiteral("storeName"), m_editor);
    m_connection = lineEdit(QStringLiteral("storeConnection"), m_editor,
                            tr("host=db.example port=5432 dbname=billing user=idem_reader   or   service=billing"));
    m_connectionWarning = warning(QStringLiteral("connectionWarning"), m_editor);
    m_statementTimeout = new QSpinBox(m_editor);
    m_statementTimeout->setObjectName(QStringLiteral("statementTimeout"));
    m_statementTimeout->setRange(1, 3'600'000);
    m_statementTimeout->setSingleStep(500);
    m_statementTimeout->setSuffix(tr(" ms"));
    m_registryTable = lineEdit(QStringLiteral("registryTable"), m_editor);
    m_attemptsTable = lineEdit(QStringLiteral("attemptsTable"), m_editor);
    m_registryColumns = mappingTable(models::registryColumnNames(), tr("Column in the store"),
                                     QStringLiteral("registryColumns"), m_editor);
    m_attemptsColumns = mappingTable(models::attemptsColumnNames(), tr("Column in the store"),
                                     QStringLiteral("attemptsColumns"), m_editor);
    m_outcomes = mappingTable(models::outcomeNames(), tr("Value the store writes"), QStringLiteral("outcomes"), m_editor);

    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Connection"), m_connection);
    form->addRow(QString(), m_connectionWarning);
    form->addRow(tr("Statement timeout"), m_statementTimeout);
    form->addRow(tr("Registry table"), m_registryTable);
    form->addRow(tr("Attempts table"), m_attemptsTable);
    auto *mappings = new QTabWidget(m_editor);
    mappings->addTab(m_registryColumns, tr("Registry columns"));
    mappings->addTab(m_attemptsColumns, tr("Attempts columns"));
    mappings->addTab(m_outcomes, tr("Outcome values"));
    m_test = new ConnectionTestPanel(QStringLiteral("storeTest"), m_editor);
    m_assistant = smallButton(tr("Mapping assistant…"), QStringLiteral("mappingAssistant"), m_editor);
    m_assistant->setToolTip(tr("Reads the store's tables (read-only) and proposes the registry and attempts "
                               "tables and their columns, with sample rows, for you to confirm."));
    m_assistant->setEnabled(false);
    connect(m_assistant, &QPushButton::clicked, this, &StoresTab::openMappingAssistant);
    auto *editorLayout = new QVBoxLayout(m_editor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(form);
    editorLayout->addWidget(m_test);
    editorLayout->addWidget(m_assistant, 0, Qt::AlignLeft);
    editorLayout->addWidget(mappings, 1);
    editorLayout->addWidget(hint(
        tr("Idem only reads stores, in read-only transactions. Keep the password out of the "
           "connection: libpq reads it from ~/.pgpass (passfile=…), a service file "
           "(service=NAME) or PGPASSWORD; password=${NAME} and password=${keychain:NAME} are "
           "expanded when Idem connects. sslmode and sslrootcert are passed to libpq as written."),
        m_editor));

    m_ops = new OpsDatabaseBox(m_env, this);
    const ItemList items = listBeside(m_editor, QStringLiteral("store"), tr("Add store"), this);
    m_list = items.list;
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(items.splitter, 1);
    layout->addWidget(m_ops);

    connect(m_list, &QListWidget::currentRowChanged, this, &StoresTab::load);
    connect(m_name, &QLineEdit::editingFinished, this, [this] { rename(m_name->text()); });
    connect(m_connection, &QLineEdit::textEdited, this, &StoresTab::readStore);
    connect(m_statementTimeout, &QSpinBox::valueChanged, this, &StoresTab::readStore);
    connect(m_registryTable, &QLineEdit::textEdited, this, &StoresTab::readStore);
    connect(m_attemptsTable, &QLineEdit::textEdited, this, &StoresTab::readStore);
    for (QTableWidget *table : { m_registryColumns, m_attemptsColumns, m_outcomes })
        connect(table, &QTableWidget::itemChanged, this, &StoresTab::readStore);
    connect(m_ops, &OpsDatabaseBox::edited, this, &StoresTab::edited);
    connect(items.add, &QPushButton::clicked, this, [this] {
        models::StoreConfig store;
        store.name = uniqueName(m_env->stores, QStringLiteral("store"));
        appendItem(m_env->stores, store, m_list, m_name);
        emit storesChanged(); // the new store is a choice for groups
        emit edited();
    });
    connect(items.remove, &QPushButton::clicked, this, [this] {
        if (!removeCurrent(m_env->stores, m_list))
            return;
        load(m_list->currentRow());
        emit storesChanged();
        emit edited();
    });
}

StoresTab::~StoresTab()
{
    // An editor still open commits while the children are destroyed.
    for (QObject *child : findChildren<QObject *>())
        QObject::disconnect(child, nullptr, this, nullptr);
}

void StoresTab::populate()
{
    m_loading = true;
    m_list->clear();
    for (const auto &store : std::as_const(m_env->stores))
        m_list->addItem(store.name);
    m_ops->populate();
    m_loading = false;
    m_list->setCurrentRow(m_env->stores.isEmpty() ? -1 : 0);
    load(m_list->currentRow());
}

void StoresTab::readStore()
{
    const int row = m_list->currentRow();
    if (m_loading || row < 0)
        return;
    models::StoreConfig &store = m_env->stores[row];
    store.connection = m_connection->text().trimmed();
    store.statementTimeoutMs = m_statementTimeout->value();
    store.registry.table = m_registryTable->text().trimmed();
    store.attempts.table = m_attemptsTable->text().trimmed();
    store.registry.columns = mapping(m_registryColumns);
    store.attempts.columns = mapping(m_attemptsColumns);
    store.outcomeValues = mapping(m_outcomes);
    updateSecretWarning();
    emit edited();
}

void StoresTab::load(int row)
{
    const bool loading = m_loading;
    m_loading = true;
    const bool valid = row >= 0 && row < m_env->stores.size();
    const models::StoreConfig store = valid ? m_env->stores[row] : models::StoreConfig();
    m_editor->setEnabled(valid);
    m_name->setText(store.name);
    m_connection->setText(store.connection);
    m_connection->setCursorPosition(0); // a long connection string shows its start
    m_statementTimeout->setValue(store.statementTimeoutMs);
    m_registryTable->setText(store.registry.table);
    m_attemptsTable->setText(store.attempts.table);
    setMapping(m_registryColumns, store.registry.columns);
    setMapping(m_attemptsColumns, store.attempts.columns);
    setMapping(m_outcomes, store.outcomeValues);
    m_test->clear();
    m_loading = loading;
    updateSecretWarning();
}

void StoresTab::setTools(models::ConnectionTools *tools)
{
    m_tools = tools;
    m_assistant->setEnabled(tools != nullptr);
    m_test->setTools(tools, [this](models::ConnectionTools *t) -> quint64 {
        const int row = m_list->currentRow();
        return row >= 0 && row < m_env->stores.size() ? t->testStore(m_env->stores[row]) : 0;
    });
    m_ops->setTools(tools);
}

void StoresTab::openMappingAssistant()
{
    const int row = m_list->currentRow();
    if (!m_tools || row < 0 || row >= m_env->stores.size())
        return;
    StoreMappingDialog assistant(m_env->stores[row], m_tools, this);
    if (assistant.exec() != QDialog::Accepted || m_list->currentRow() != row)
        return;
    m_env->stores[row] = assistant.mappedStore();
    load(row);
    emit edited();
}

void StoresTab::commitName()
{
    rename(m_name->text());
}

void StoresTab::rename(const QString &text)
{
    if (m_loading)
        return;
    const int row = m_list->currentRow();
    // Groups follow a renamed store, unless another store still has the old name.
    if (!models::renameStore(*m_env, row, text))
        return;
    m_list->item(row)->setText(m_env->stores[row].name);
    emit storesChanged();
    emit edited();
}

void StoresTab::updateSecretWarning()
{
    const int store = m_list->currentRow();
    const bool storePassword
        = store >= 0 && store < m_env->stores.size() && models::hasLiteralPassword(m_env->stores[store].connection);
    m_connectionWarning->setText(
        tr("This connection holds a literal password that would be saved into the file. Put it in "
           "~/.pgpass (or a service file) and leave it out here, or write password=${NAME}."));
    m_connectionWarning->setVisible(storePassword);
}

} // namespace idem::ui::connections_detail
