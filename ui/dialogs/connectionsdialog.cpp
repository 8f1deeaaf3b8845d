#include "ui/dialogs/connectionsdialog.h"

#include "models/config/configstorage.h"
#include "models/envelope/envelopedetector.h"
#include "models/envelope/envelopefield.h"
#include "models/envelope/presets.h"
#include "ui/dialogs/envelopedetectiondialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleValidator>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBlock>
#include <QVBoxLayout>

namespace idem::ui {

namespace connections_detail {

namespace {

const QString kMask(8, QChar(0x2022)); // "••••••••"

// A literal value under a secret-looking key: it would be saved into the file.
// A value with a ${NAME} reference is shown; the reference is not the secret.
bool isLiteralSecret(const QString &key, const QString &value)
{
    return models::isSecretKey(key) && !value.isEmpty() && !value.contains(QLatin1String("${"));
}

// A password written into a libpq connection string or URI, literally.
const QRegularExpression &connectionPassword()
{
    static const QRegularExpression re(
        QStringLiteral(R"((\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)|(://[^:/@\s]+:)([^@\s]+)(@))"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

bool hasLiteralPassword(const QString &connection)
{
    auto it = connectionPassword().globalMatch(connection);
    while (it.hasNext()) {
        const auto m = it.next();
        const QString value = m.captured(2).isEmpty() ? m.captured(4) : m.captured(2);
        if (!value.contains(QLatin1String("${")))
            return true;
    }
    return false;
}

QString maskConnection(QString connection)
{
    QString out;
    qsizetype last = 0;
    auto it = connectionPassword().globalMatch(connection);
    while (it.hasNext()) {
        const auto m = it.next();
        const bool uri = m.captured(2).isEmpty();
        const QString value = uri ? m.captured(4) : m.captured(2);
        if (value.contains(QLatin1String("${")))
            continue;
        out += connection.mid(last, m.capturedStart() - last);
        out += uri ? QString(m.captured(3) + kMask + m.captured(5)) : QString(m.captured(1) + kMask);
        last = m.capturedEnd();
    }
    return out + connection.mid(last);
}

// The configuration as the YAML tab shows it: literal secrets masked. Every
// value stays on its own line, so the reader's line numbers still hold.
models::Config masked(models::Config config)
{
    for (auto &env : config.environments) {
        for (auto &cluster : env.clusters) {
            for (auto &[key, value] : cluster.properties) {
                if (isLiteralSecret(key, value))
                    value = kMask;
            }
        }
        for (auto &store : env.stores)
            store.connection = maskConnection(store.connection);
        if (env.ops)
            env.ops->connection = maskConnection(env.ops->connection);
    }
    return config;
}

QStringList splitTopics(const QString &text)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return text.split(separators, Qt::SkipEmptyParts);
}

template<typename T> QString uniqueName(const QList<T> &items, const QString &base)
{
    const auto taken = [&items](const QString &name) {
        return std::any_of(items.cbegin(), items.cend(),
                           [&name](const T &item) { return item.name == name; });
    };
    QString name = base;
    for (int n = 2; taken(name); ++n)
        name = base + QLatin1Char('-') + QString::number(n);
    return name;
}

QPushButton *smallButton(const QString &text, const QString &objectName, QWidget *parent)
{
    auto *button = new QPushButton(text, parent);
    button->setObjectName(objectName);
    button->setAutoDefault(false);
    return button;
}

QLineEdit *lineEdit(const QString &objectName, QWidget *parent, const QString &placeholder = {})
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(objectName);
    edit->setPlaceholderText(placeholder);
    return edit;
}

QLabel *hint(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

QLabel *warning(const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #8a5300;"));
    label->hide();
    return label;
}

// Where a pair table keeps a value; what it displays may be masked.
constexpr int kValueRole = Qt::UserRole + 1;

// What a value cell displays: the value, or a mask for a literal secret when
// the table masks secrets. The mask is the cell's text, so nothing (a
// screen reader, a copy) reads the secret from the view.
QString displayed(bool masking, const QString &key, const QString &value)
{
    return masking && isLiteralSecret(key, value) ? kMask : value;
}

// Edits the value kept under kValueRole, in a password field for a secret key.
class ValueDelegate final : public QStyledItemDelegate
{
public:
    ValueDelegate(bool masking, QObject *parent)
        : QStyledItemDelegate(parent)
        , m_masking(masking)
    {
    }

    static QString keyOf(const QModelIndex &index)
    {
        return index.siblingAtColumn(0).data().toString().trimmed();
    }

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &,
                          const QModelIndex &index) const override
    {
        auto *line = new QLineEdit(parent);
        if (m_masking && models::isSecretKey(keyOf(index)))
            line->setEchoMode(QLineEdit::Password);
        return line;
    }

    void setEditorData(QWidget *editor, const QModelIndex &index) const override
    {
        static_cast<QLineEdit *>(editor)->setText(index.data(kValueRole).toString());
    }

    void setModelData(QWidget *editor, QAbstractItemModel *model,
                      const QModelIndex &index) const override
    {
        const QString value = static_cast<QLineEdit *>(editor)->text();
        model->setData(index, value, kValueRole);
        model->setData(index, displayed(m_masking, keyOf(index), value), Qt::DisplayRole);
    }

private:
    bool m_masking;
};

// Offers known names in an editable list; anything else may still be typed
// (the reader names the closest known one).
class ChoiceDelegate final : public QStyledItemDelegate
{
public:
    ChoiceDelegate(QStringList choices, QObject *parent)
        : QStyledItemDelegate(parent)
        , m_choices(std::move(choices))
    {
    }

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &,
                          const QModelIndex &) const override
    {
        auto *combo = new QComboBox(parent);
        combo->setEditable(true);
        combo->addItems(m_choices);
        // Inline completion would turn a typed "error" into "error_class" on Enter.
        combo->setCompleter(nullptr);
        return combo;
    }

    void setEditorData(QWidget *editor, const QModelIndex &index) const override
    {
        static_cast<QComboBox *>(editor)->setCurrentText(index.data(Qt::EditRole).toString());
    }

    void setModelData(QWidget *editor, QAbstractItemModel *model,
                      const QModelIndex &index) const override
    {
        model->setData(index, static_cast<QComboBox *>(editor)->currentText().trimmed());
    }

private:
    QStringList m_choices;
};

} // namespace

// A table of name/value pairs with buttons to add and remove rows. With
// `masking`, literal values of secret-looking keys are displayed masked.
class PairTable final : public QWidget
{
public:
    PairTable(const QStringList &headers, const QString &name, bool masking, QWidget *parent)
        : QWidget(parent)
        , m_table(new QTableWidget(0, 2, this))
        , m_masking(masking)
    {
        setObjectName(name);
        m_table->setObjectName(name + QStringLiteral("Table"));
        m_table->setHorizontalHeaderLabels(headers);
        m_table->horizontalHeader()->setStretchLastSection(true);
        m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
        m_table->setColumnWidth(0, 220);
        m_table->verticalHeader()->hide();
        m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
        m_table->setEditTriggers(QAbstractItemView::AllEditTriggers);
        m_table->setItemDelegateForColumn(1, new ValueDelegate(masking, m_table));
        m_add = smallButton(tr("Add"), name + QStringLiteral("Add"), this);
        m_remove = smallButton(tr("Remove"), name + QStringLiteral("Remove"), this);
        auto *buttons = new QHBoxLayout;
        buttons->addWidget(m_add);
        buttons->addWidget(m_remove);
        buttons->addStretch(1);
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(m_table, 1);
        layout->addLayout(buttons);

        connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem *item) {
            if (m_loading)
                return;
            if (item->column() == 0)
                refreshDisplay(item->row()); // the key may have become a secret one
            if (onChanged)
                onChanged();
        });
        connect(m_add, &QPushButton::clicked, this, [this] {
            const int row = m_table->rowCount();
            setRow(row, {}, {});
            m_table->setFocus();
            m_table->setCurrentCell(row, 0); // opens the editor: the table edits on any trigger
            if (!m_table->indexWidget(m_table->model()->index(row, 0)))
                m_table->editItem(m_table->item(row, 0));
            if (onChanged)
                onChanged();
        });
        connect(m_remove, &QPushButton::clicked, this, [this] {
            const int row = m_table->currentRow();
            if (row < 0)
                return;
            m_table->removeRow(row);
            if (onChanged)
                onChanged();
        });
    }

    QTableWidget *table() const { return m_table; }

    void setPairs(const QList<QPair<QString, QString>> &pairs)
    {
        m_loading = true;
        m_table->setRowCount(0);
        for (qsizetype i = 0; i < pairs.size(); ++i)
            setRow(int(i), pairs[i].first, pairs[i].second);
        m_loading = false;
    }

    QList<QPair<QString, QString>> pairs() const
    {
        QList<QPair<QString, QString>> out;
        for (int row = 0; row < m_table->rowCount(); ++row) {
            const QTableWidgetItem *key = m_table->item(row, 0);
            const QTableWidgetItem *value = m_table->item(row, 1);
            out.append({ key ? key->text().trimmed() : QString(),
                         value ? value->data(kValueRole).toString() : QString() });
        }
        return out;
    }

    std::function<void()> onChanged;

private:
    void setRow(int row, const QString &key, const QString &value)
    {
        const bool loading = m_loading;
        m_loading = true;
        if (row >= m_table->rowCount())
            m_table->setRowCount(row + 1);
        m_table->setItem(row, 0, new QTableWidgetItem(key));
        auto *item = new QTableWidgetItem(displayed(m_masking, key, value));
        item->setData(kValueRole, value);
        m_table->setItem(row, 1, item);
        m_loading = loading;
    }

    void refreshDisplay(int row)
    {
        QTableWidgetItem *key = m_table->item(row, 0);
        QTableWidgetItem *value = m_table->item(row, 1);
        if (!key || !value)
            return;
        const QString text
            = displayed(m_masking, key->text().trimmed(), value->data(kValueRole).toString());
        if (value->text() != text) {
            const bool loading = m_loading;
            m_loading = true;
            value->setText(text);
            m_loading = loading;
        }
    }

    QTableWidget *m_table;
    QPushButton *m_add;
    QPushButton *m_remove;
    bool m_masking;
    bool m_loading = false;
};

// What a preset (or "a+b" combination) reads each field from, for a tooltip:
// the first part that defines a field wins, and Idem's own headers fill the
// rest (presets.h).
static QString presetFields(const QString &preset)
{
    QStringList parts = preset.split(u'+', Qt::SkipEmptyParts);
    if (!parts.contains(QLatin1String("custom")))
        parts << QStringLiteral("idem");
    QMap<QString, QString> specs;
    QStringList order;
    for (const QString &part : std::as_const(parts)) {
        const models::EnvelopePreset *p = models::findEnvelopePreset(part.trimmed());
        if (!p)
            return QObject::tr("Unknown preset %1").arg(part);
        for (const auto &[field, spec] : p->fields) {
            const QString name = models::envelopeFieldName(field);
            if (!specs.contains(name)) {
                specs.insert(name, spec);
                order << name;
            }
        }
    }
    QStringList lines;
    for (const QString &name : std::as_const(order))
        lines << QStringLiteral("%1: %2").arg(name, specs.value(name));
    return QObject::tr("Reads, unless a field below says otherwise:\n") + lines.join(u'\n');
}

// A preset (editable: "cloudevents+spring" combines) and per-field overrides.
class EnvelopeEditor final : public QWidget
{
public:
    EnvelopeEditor(const QString &name, QWidget *parent)
        : QWidget(parent)
        , m_preset(new QComboBox(this))
        , m_fields(new PairTable({ tr("Field"), tr("Where it is found") }, name + QStringLiteral("Fields"),
                                 false, this))
    {
        setObjectName(name);
        m_preset->setObjectName(name + QStringLiteral("Preset"));
        m_preset->setEditable(true);
        m_preset->setInsertPolicy(QComboBox::NoInsert);
        for (const models::EnvelopePreset &preset : models::envelopePresets()) {
            m_preset->addItem(preset.name);
            m_preset->setItemData(m_preset->count() - 1, preset.title, Qt::ToolTipRole);
        }
        QStringList fields;
        for (models::EnvelopeField f : models::allEnvelopeFields())
            fields << models::envelopeFieldName(f);
        m_fields->table()->setItemDelegateForColumn(0, new ChoiceDelegate(fields, this));
        m_fields->table()->setColumnWidth(0, 130);
        m_fields->table()->setToolTip(
            tr("Overrides of the preset, in the field spec grammar: header:NAME, key, "
               "payload:/json/pointer, alternatives joined by \" | \"."));

        auto *form = new QFormLayout;
        form->addRow(tr("Preset"), m_preset);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(form);
        layout->addWidget(new QLabel(tr("Fields that differ from the preset:"), this));
        layout->addWidget(m_fields, 1);

        connect(m_preset, &QComboBox::currentTextChanged, this, [this] {
            m_preset->setToolTip(presetFields(m_preset->currentText()));
            if (!m_loading && onChanged)
                onChanged();
        });
        m_fields->onChanged = [this] {
            if (!m_loading && onChanged)
                onChanged();
        };
    }

    void setEnvelope(const models::EnvelopeConfig &envelope)
    {
        m_loading = true;
        m_preset->setCurrentText(envelope.preset);
        QList<QPair<QString, QString>> pairs;
        for (auto it = envelope.fields.cbegin(); it != envelope.fields.cend(); ++it)
            pairs.append({ it.key(), it.value() });
        m_fields->setPairs(pairs);
        m_loading = false;
    }

    models::EnvelopeConfig envelope() const
    {
        models::EnvelopeConfig envelope;
        envelope.preset = m_preset->currentText().trimmed();
        for (const auto &[field, spec] : m_fields->pairs())
            envelope.fields.insert(field, spec.trimmed());
        return envelope;
    }

    std::function<void()> onChanged;

private:
    QComboBox *m_preset;
    PairTable *m_fields;
    bool m_loading = false;
};

} // namespace connections_detail

using namespace connections_detail;

namespace {

constexpr int kLineRole = Qt::UserRole;

QTableWidget *mappingTable(const QStringList &logical, const QString &valueHeader,
                           const QString &name, QWidget *parent)
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

// A tab's list of items (clusters, stores or flows) with Add and Remove under
// it, beside the editor of the selected item. Object names follow the kind:
// "clusterList", "addCluster", "removeCluster".
struct ItemList
{
    QListWidget *list = nullptr;
    QPushButton *add = nullptr;
    QPushButton *remove = nullptr;
    QSplitter *splitter = nullptr;
};

ItemList listBeside(QWidget *editor, const QString &kind, const QString &addText, QWidget *parent)
{
    const QString capitalized = kind.left(1).toUpper() + kind.mid(1);
    ItemList items;
    items.list = new QListWidget(parent);
    items.list->setObjectName(kind + QStringLiteral("List"));
    items.add = smallButton(addText, QStringLiteral("add") + capitalized, parent);
    items.remove = smallButton(QObject::tr("Remove"), QStringLiteral("remove") + capitalized, parent);
    auto *left = new QWidget(parent);
    auto *layout = new QVBoxLayout(left);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(items.list, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(items.add);
    buttons->addWidget(items.remove);
    layout->addLayout(buttons);
    items.splitter = new QSplitter(parent);
    items.splitter->addWidget(left);
    items.splitter->addWidget(editor);
    items.splitter->setStretchFactor(1, 1);
    items.splitter->setSizes({ 220, 780 });
    return items;
}

// Adds `item` at the end and selects it, ready for its name to be typed.
template<typename T> void appendItem(QList<T> &items, T item, QListWidget *list, QLineEdit *name)
{
    const QString text = item.name;
    items.append(std::move(item));
    list->addItem(text);
    list->setCurrentRow(list->count() - 1);
    name->setFocus();
    name->selectAll();
}

// Removes the selected item; false when none is selected.
template<typename T> bool removeCurrent(QList<T> &items, QListWidget *list)
{
    const int row = list->currentRow();
    if (row < 0 || row >= items.size())
        return false;
    items.removeAt(row);
    delete list->takeItem(row);
    return true;
}

// Gives the selected item the name `text`; returns its old name, or nothing
// when nothing is selected or the name is the same.
template<typename T>
std::optional<QString> renameCurrent(QList<T> &items, QListWidget *list, const QString &text)
{
    const int row = list->currentRow();
    const QString name = text.trimmed();
    if (row < 0 || row >= items.size() || items[row].name == name)
        return std::nullopt;
    QString old = items[row].name;
    items[row].name = name;
    list->item(row)->setText(name);
    return old;
}

QWidget *withButton(QWidget *field, QWidget *button, QWidget *parent)
{
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(field, 1);
    layout->addWidget(button);
    return row;
}

} // namespace

ConnectionsDialog::ConnectionsDialog(models::Config config, const QString &environment,
                                     models::ConfigStorage *storage,
                                     models::EnvelopeDetector *detector, QWidget *parent)
    : QDialog(parent)
    , m_config(std::move(config))
    , m_storage(storage)
    , m_detector(detector)
{
    setObjectName(QStringLiteral("connectionsDialog"));
    if (m_config.environments.isEmpty()) {
        models::EnvironmentConfig env;
        env.name = environment.isEmpty() ? QStringLiteral("default") : environment;
        m_config.environments.append(env);
    }
    for (qsizetype i = 0; i < m_config.environments.size(); ++i) {
        if (m_config.environments[i].name == environment)
            m_envIndex = int(i);
    }
    m_env = m_config.environments.at(m_envIndex);
    setWindowTitle(tr("Connections — %1").arg(m_env.name));

    auto *header = new QLabel(this);
    header->setObjectName(QStringLiteral("connectionsHeader"));
    header->setWordWrap(true);
    header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    header->setText(
        tr("Environment <b>%1</b> of <tt>%2</tt>. Every change is checked as the file would be "
           "read; nothing is written until you save.")
            .arg(m_env.name.toHtmlEscaped(),
                 (m_config.sourcePath.isEmpty() ? tr("(no file)") : m_config.sourcePath)
                     .toHtmlEscaped()));

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("connectionsTabs"));
    m_tabs->addTab(buildClustersTab(), tr("Kafka clusters"));
    m_tabs->addTab(buildStoresTab(), tr("Stores"));
    m_tabs->addTab(buildFlowsTab(), tr("Flows"));
    m_tabs->addTab(buildYamlTab(), tr("YAML"));

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("validationStatus"));
    m_status->setWordWrap(true);
    m_problemList = new QListWidget(this);
    m_problemList->setObjectName(QStringLiteral("problems"));
    m_problemList->setMaximumHeight(96);
    m_problemList->setWordWrap(true);
    m_problemList->setToolTip(tr("Click a problem to see its line in the YAML tab."));
    connect(m_problemList, &QListWidget::itemClicked, this, [this](QListWidgetItem *item) {
        showProblemLine(item->data(kLineRole).toInt());
    });

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    m_save = buttons->button(QDialogButtonBox::Save);
    m_save->setObjectName(QStringLiteral("save"));
    // Enter in a field must not save half an edit.
    for (QAbstractButton *b : buttons->buttons()) {
        if (auto *push = qobject_cast<QPushButton *>(b)) {
            push->setAutoDefault(false);
            push->setDefault(false);
        }
    }
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectionsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ConnectionsDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(header);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_status);
    layout->addWidget(m_problemList);
    layout->addWidget(buttons);
    resize(1020, 720);

    m_validateSoon.setSingleShot(true);
    m_validateSoon.setInterval(150);
    connect(&m_validateSoon, &QTimer::timeout, this, &ConnectionsDialog::validate);

    m_loading = true;
    for (const auto &cluster : std::as_const(m_env.clusters))
        m_clusterList->addItem(cluster.name);
    for (const auto &store : std::as_const(m_env.stores))
        m_storeList->addItem(store.name);
    for (const auto &flow : std::as_const(m_env.flows))
        m_flowList->addItem(flow.name);
    m_opsConnection->setText(m_env.ops ? m_env.ops->connection : QString());
    m_opsConnection->setCursorPosition(0);
    m_loading = false;
    m_clusterList->setCurrentRow(m_env.clusters.isEmpty() ? -1 : 0);
    m_storeList->setCurrentRow(m_env.stores.isEmpty() ? -1 : 0);
    m_flowList->setCurrentRow(m_env.flows.isEmpty() ? -1 : 0);
    loadCluster(m_clusterList->currentRow());
    loadStore(m_storeList->currentRow());
    loadFlow(m_flowList->currentRow());
    validate();
}

ConnectionsDialog::~ConnectionsDialog()
{
    // An editor still open commits while the children are destroyed; nothing
    // may reach this half-destroyed dialog then.
    m_validateSoon.stop();
    m_properties->onChanged = nullptr;
    m_envelope->onChanged = nullptr;
    m_deadLetterEnvelope->onChanged = nullptr;
    for (QObject *child : findChildren<QObject *>())
        QObject::disconnect(child, nullptr, this, nullptr);
}

models::Config ConnectionsDialog::config() const
{
    models::Config config = m_config;
    config.environments[m_envIndex] = m_env;
    return config;
}

QString ConnectionsDialog::sourceName() const
{
    return m_config.sourcePath.isEmpty() ? QStringLiteral("idem.yaml")
                                         : QFileInfo(m_config.sourcePath).fileName();
}

// Clusters ---------------------------------------------------------------------------------

QWidget *ConnectionsDialog::buildClustersTab()
{
    auto *page = new QWidget(this);
    m_clusterEditor = new QWidget(page);
    m_clusterName = lineEdit(QStringLiteral("clusterName"), m_clusterEditor);
    m_properties = new PairTable({ tr("Property"), tr("Value") }, QStringLiteral("clusterProperties"),
                                 true, m_clusterEditor);
    m_secretWarning = warning(QStringLiteral("secretWarning"), m_clusterEditor);
    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_clusterName);
    auto *editorLayout = new QVBoxLayout(m_clusterEditor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(form);
    editorLayout->addWidget(new QLabel(
        tr("librdkafka properties, passed through as written (bootstrap.servers is required):"),
        m_clusterEditor));
    editorLayout->addWidget(m_properties, 1);
    editorLayout->addWidget(m_secretWarning);
    editorLayout->addWidget(hint(
        tr("Values of secret-looking keys (password, secret, token, sasl.*, ssl.key*) are masked. "
           "Secrets do not belong in this file: write a ${NAME} reference instead, expanded from "
           "Idem's environment only when it connects (${NAME:-default} for a fallback)."),
        m_clusterEditor));
    const ItemList items = listBeside(m_clusterEditor, QStringLiteral("cluster"), tr("Add cluster"), page);
    m_clusterList = items.list;
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(items.splitter);

    connect(m_clusterList, &QListWidget::currentRowChanged, this, &ConnectionsDialog::loadCluster);
    connect(m_clusterName, &QLineEdit::editingFinished, this,
            [this] { renameCluster(m_clusterName->text()); });
    m_properties->onChanged = [this] {
        const int row = m_clusterList->currentRow();
        if (m_loading || row < 0)
            return;
        m_env.clusters[row].properties = m_properties->pairs();
        updateSecretWarnings();
        edited();
    };
    connect(items.add, &QPushButton::clicked, this, [this] {
        models::KafkaClusterConfig cluster;
        cluster.name = uniqueName(m_env.clusters, QStringLiteral("cluster"));
        cluster.properties = { { QStringLiteral("bootstrap.servers"), QString() } };
        appendItem(m_env.clusters, cluster, m_clusterList, m_clusterName);
        loadFlow(m_flowList->currentRow()); // the new cluster is a choice for flows
        edited();
    });
    connect(items.remove, &QPushButton::clicked, this, [this] {
        if (!removeCurrent(m_env.clusters, m_clusterList))
            return;
        loadCluster(m_clusterList->currentRow());
        loadFlow(m_flowList->currentRow());
        edited();
    });
    return page;
}

void ConnectionsDialog::loadCluster(int row)
{
    const bool loading = m_loading;
    m_loading = true;
    const bool valid = row >= 0 && row < m_env.clusters.size();
    m_clusterEditor->setEnabled(valid);
    m_clusterName->setText(valid ? m_env.clusters[row].name : QString());
    m_properties->setPairs(valid ? m_env.clusters[row].properties : models::Properties());
    m_loading = loading;
    updateSecretWarnings();
}

void ConnectionsDialog::renameCluster(const QString &text)
{
    const auto old = m_loading ? std::nullopt : renameCurrent(m_env.clusters, m_clusterList, text);
    if (!old)
        return;
    // Flows follow a renamed cluster, unless another cluster still has the old name.
    if (!m_env.cluster(*old)) {
        for (auto &flow : m_env.flows) {
            if (flow.cluster == *old)
                flow.cluster = text.trimmed();
        }
    }
    loadFlow(m_flowList->currentRow());
    edited();
}

// Stores -----------------------------------------------------------------------------------

QWidget *ConnectionsDialog::buildStoresTab()
{
    auto *page = new QWidget(this);
    m_storeEditor = new QWidget(page);
    m_storeName = lineEdit(QStringLiteral("storeName"), m_storeEditor);
    m_storeConnection = lineEdit(
        QStringLiteral("storeConnection"), m_storeEditor,
        tr("host=db.example port=5432 dbname=billing user=idem_reader   or   service=billing"));
    m_connectionWarning = warning(QStringLiteral("connectionWarning"), m_storeEditor);
    m_statementTimeout = new QSpinBox(m_storeEditor);
    m_statementTimeout->setObjectName(QStringLiteral("statementTimeout"));
    m_statementTimeout->setRange(1, 3'600'000);
    m_statementTimeout->setSingleStep(500);
    m_statementTimeout->setSuffix(tr(" ms"));
    m_registryTable = lineEdit(QStringLiteral("registryTable"), m_storeEditor);
    m_attemptsTable = lineEdit(QStringLiteral("attemptsTable"), m_storeEditor);
    m_registryColumns = mappingTable(models::registryColumnNames(), tr("Column in the store"),
                                     QStringLiteral("registryColumns"), m_storeEditor);
    m_attemptsColumns = mappingTable(models::attemptsColumnNames(), tr("Column in the store"),
                                     QStringLiteral("attemptsColumns"), m_storeEditor);
    m_outcomes = mappingTable(models::outcomeNames(), tr("Value the store writes"),
                              QStringLiteral("outcomes"), m_storeEditor);

    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_storeName);
    form->addRow(tr("Connection"), m_storeConnection);
    form->addRow(QString(), m_connectionWarning);
    form->addRow(tr("Statement timeout"), m_statementTimeout);
    form->addRow(tr("Registry table"), m_registryTable);
    form->addRow(tr("Attempts table"), m_attemptsTable);
    auto *mappings = new QTabWidget(m_storeEditor);
    mappings->addTab(m_registryColumns, tr("Registry columns"));
    mappings->addTab(m_attemptsColumns, tr("Attempts columns"));
    mappings->addTab(m_outcomes, tr("Outcome values"));
    auto *editorLayout = new QVBoxLayout(m_storeEditor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(form);
    editorLayout->addWidget(mappings, 1);
    editorLayout->addWidget(hint(
        tr("Idem only reads stores, in read-only transactions. Keep the password out of the "
           "connection: libpq reads it from ~/.pgpass (passfile=…), a service file "
           "(service=NAME) or PGPASSWORD; ${NAME} references are expanded when Idem connects."),
        m_storeEditor));

    auto *opsBox = new QGroupBox(tr("Ops database (replay requests, approvals, audit trail)"), page);
    m_opsConnection = lineEdit(QStringLiteral("opsConnection"), opsBox, tr("none"));
    auto *opsLayout = new QFormLayout(opsBox);
    opsLayout->addRow(tr("Connection"), m_opsConnection);

    const ItemList items = listBeside(m_storeEditor, QStringLiteral("store"), tr("Add store"), page);
    m_storeList = items.list;
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(items.splitter, 1);
    layout->addWidget(opsBox);

    connect(m_storeList, &QListWidget::currentRowChanged, this, &ConnectionsDialog::loadStore);
    connect(m_storeName, &QLineEdit::editingFinished, this,
            [this] { renameStore(m_storeName->text()); });
    const auto storeEdited = [this] {
        const int row = m_storeList->currentRow();
        if (m_loading || row < 0)
            return;
        models::StoreConfig &store = m_env.stores[row];
        store.connection = m_storeConnection->text().trimmed();
        store.statementTimeoutMs = m_statementTimeout->value();
        store.registry.table = m_registryTable->text().trimmed();
        store.attempts.table = m_attemptsTable->text().trimmed();
        store.registry.columns = mapping(m_registryColumns);
        store.attempts.columns = mapping(m_attemptsColumns);
        store.outcomeValues = mapping(m_outcomes);
        updateSecretWarnings();
        edited();
    };
    connect(m_storeConnection, &QLineEdit::textEdited, this, storeEdited);
    connect(m_statementTimeout, &QSpinBox::valueChanged, this, storeEdited);
    connect(m_registryTable, &QLineEdit::textEdited, this, storeEdited);
    connect(m_attemptsTable, &QLineEdit::textEdited, this, storeEdited);
    for (QTableWidget *table : { m_registryColumns, m_attemptsColumns, m_outcomes })
        connect(table, &QTableWidget::itemChanged, this, storeEdited);
    connect(m_opsConnection, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (m_loading)
            return;
        if (text.trimmed().isEmpty())
            m_env.ops.reset();
        else
            m_env.ops = models::OpsDatabaseConfig{ text.trimmed() };
        updateSecretWarnings();
        edited();
    });
    connect(items.add, &QPushButton::clicked, this, [this] {
        models::StoreConfig store;
        store.name = uniqueName(m_env.stores, QStringLiteral("store"));
        appendItem(m_env.stores, store, m_storeList, m_storeName);
        loadFlow(m_flowList->currentRow()); // the new store is a choice for groups
        edited();
    });
    connect(items.remove, &QPushButton::clicked, this, [this] {
        if (!removeCurrent(m_env.stores, m_storeList))
            return;
        loadStore(m_storeList->currentRow());
        loadFlow(m_flowList->currentRow());
        edited();
    });
    return page;
}

void ConnectionsDialog::loadStore(int row)
{
    const bool loading = m_loading;
    m_loading = true;
    const bool valid = row >= 0 && row < m_env.stores.size();
    const models::StoreConfig store = valid ? m_env.stores[row] : models::StoreConfig();
    m_storeEditor->setEnabled(valid);
    m_storeName->setText(store.name);
    m_storeConnection->setText(store.connection);
    m_storeConnection->setCursorPosition(0); // a long connection string shows its start
    m_statementTimeout->setValue(store.statementTimeoutMs);
    m_registryTable->setText(store.registry.table);
    m_attemptsTable->setText(store.attempts.table);
    setMapping(m_registryColumns, store.registry.columns);
    setMapping(m_attemptsColumns, store.attempts.columns);
    setMapping(m_outcomes, store.outcomeValues);
    m_loading = loading;
    updateSecretWarnings();
}

void ConnectionsDialog::renameStore(const QString &text)
{
    const auto old = m_loading ? std::nullopt : renameCurrent(m_env.stores, m_storeList, text);
    if (!old)
        return;
    // Groups follow a renamed store, unless another store still has the old name.
    if (!m_env.store(*old)) {
        for (auto &flow : m_env.flows) {
            for (auto &group : flow.groups) {
                if (group.store == *old)
                    group.store = text.trimmed();
            }
        }
    }
    loadFlow(m_flowList->currentRow());
    edited();
}

// Flows ------------------------------------------------------------------------------------

QWidget *ConnectionsDialog::buildFlowsTab()
{
    auto *page = new QWidget(this);
    m_flowEditor = new QWidget(page);
    m_flowName = lineEdit(QStringLiteral("flowName"), m_flowEditor);
    m_flowCluster = new QComboBox(m_flowEditor);
    m_flowCluster->setObjectName(QStringLiteral("flowCluster"));
    m_topics = lineEdit(QStringLiteral("flowTopics"), m_flowEditor,
                        tr("orders.events (several: comma-separated)"));
    m_retryTopics = lineEdit(QStringLiteral("flowRetryTopics"), m_flowEditor,
                             tr("none; e.g. orders.retry.1m, orders.retry.5m"));
    m_deadLetterTopic = lineEdit(QStringLiteral("flowDeadLetterTopic"), m_flowEditor,
                                 tr("none; e.g. orders.dlq"));
    m_detectSource = smallButton(tr("Detect envelope…"), QStringLiteral("detectSource"), m_flowEditor);
    m_detectSource->setToolTip(tr("Sample the newest messages of the first source topic and "
                                  "propose the flow's envelope preset, with the evidence"));
    m_detectDeadLetter
        = smallButton(tr("Detect envelope…"), QStringLiteral("detectDeadLetter"), m_flowEditor);
    m_detectDeadLetter->setToolTip(tr("Sample the dead-letter topic and propose its envelope"));
    m_detectSource->setVisible(m_detector != nullptr);
    m_detectDeadLetter->setVisible(m_detector != nullptr);
    m_flowNote = new QLabel(m_flowEditor);
    m_flowNote->setObjectName(QStringLiteral("flowNote"));
    m_flowNote->setWordWrap(true);

    m_groups = new QTableWidget(0, 2, m_flowEditor);
    m_groups->setObjectName(QStringLiteral("flowGroups"));
    m_groups->setHorizontalHeaderLabels({ tr("Consumer group"), tr("Its store") });
    m_groups->horizontalHeader()->setStretchLastSection(true);
    m_groups->setColumnWidth(0, 240);
    m_groups->verticalHeader()->hide();
    m_groups->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto *addGroup = smallButton(tr("Add group"), QStringLiteral("addGroup"), m_flowEditor);
    auto *removeGroup = smallButton(tr("Remove group"), QStringLiteral("removeGroup"), m_flowEditor);

    auto *topicsPage = new QWidget(m_flowEditor);
    auto *form = new QFormLayout;
    form->addRow(tr("Cluster"), m_flowCluster);
    form->addRow(tr("Source topics"), withButton(m_topics, m_detectSource, topicsPage));
    form->addRow(tr("Retry topics"), m_retryTopics);
    form->addRow(tr("Dead-letter topic"), withButton(m_deadLetterTopic, m_detectDeadLetter, topicsPage));
    auto *groupButtons = new QHBoxLayout;
    groupButtons->addWidget(addGroup);
    groupButtons->addWidget(removeGroup);
    groupButtons->addStretch(1);
    auto *topicsLayout = new QVBoxLayout(topicsPage);
    topicsLayout->addLayout(form);
    topicsLayout->addWidget(m_flowNote);
    topicsLayout->addWidget(new QLabel(tr("Consumer groups of the flow, each with the store it "
                                          "records processed events in:"),
                                       topicsPage));
    topicsLayout->addWidget(m_groups, 1);
    topicsLayout->addLayout(groupButtons);

    auto *envelopePage = new QWidget(m_flowEditor);
    m_envelope = new EnvelopeEditor(QStringLiteral("envelope"), envelopePage);
    m_deadLetterEnvelope = new EnvelopeEditor(QStringLiteral("deadLetterEnvelope"), envelopePage);
    auto *sourceBox = new QGroupBox(tr("Source and retry topics"), envelopePage);
    (new QVBoxLayout(sourceBox))->addWidget(m_envelope);
    auto *deadLetterBox = new QGroupBox(tr("Dead-letter topic"), envelopePage);
    (new QVBoxLayout(deadLetterBox))->addWidget(m_deadLetterEnvelope);
    auto *envelopeLayout = new QHBoxLayout(envelopePage);
    envelopeLayout->addWidget(sourceBox);
    envelopeLayout->addWidget(deadLetterBox);

    auto *thresholdsPage = new QWidget(m_flowEditor);
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
        connect(edit, &QLineEdit::textEdited, this, &ConnectionsDialog::readThresholds);
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

    auto *inner = new QTabWidget(m_flowEditor);
    inner->setObjectName(QStringLiteral("flowTabs"));
    inner->addTab(topicsPage, tr("Topics and groups"));
    inner->addTab(envelopePage, tr("Envelope"));
    inner->addTab(thresholdsPage, tr("Thresholds"));
    auto *nameForm = new QFormLayout;
    nameForm->addRow(tr("Name"), m_flowName);
    auto *editorLayout = new QVBoxLayout(m_flowEditor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(nameForm);
    editorLayout->addWidget(inner, 1);

    const ItemList items = listBeside(m_flowEditor, QStringLiteral("flow"), tr("Add flow"), page);
    m_flowList = items.list;
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(items.splitter);

    connect(m_flowList, &QListWidget::currentRowChanged, this, &ConnectionsDialog::loadFlow);
    connect(m_flowName, &QLineEdit::editingFinished, this, [this] { renameFlow(m_flowName->text()); });
    connect(m_flowCluster, &QComboBox::currentIndexChanged, this, [this] {
        const int row = m_flowList->currentRow();
        if (m_loading || row < 0)
            return;
        m_env.flows[row].cluster = m_flowCluster->currentData().toString();
        edited();
    });
    const auto topicsEdited = [this] {
        const int row = m_flowList->currentRow();
        if (m_loading || row < 0)
            return;
        models::FlowConfig &flow = m_env.flows[row];
        flow.topics = splitTopics(m_topics->text());
        flow.retryTopics = splitTopics(m_retryTopics->text());
        flow.deadLetterTopic = m_deadLetterTopic->text().trimmed();
        updateDetectButtons();
        edited();
    };
    connect(m_topics, &QLineEdit::textEdited, this, topicsEdited);
    connect(m_retryTopics, &QLineEdit::textEdited, this, topicsEdited);
    connect(m_deadLetterTopic, &QLineEdit::textEdited, this, topicsEdited);
    connect(m_groups, &QTableWidget::itemChanged, this, &ConnectionsDialog::readGroups);
    connect(addGroup, &QPushButton::clicked, this, [this] {
        const int row = m_flowList->currentRow();
        if (row < 0)
            return;
        models::FlowConfig &flow = m_env.flows[row];
        models::ConsumerGroupConfig group;
        group.name = uniqueName(flow.groups, QStringLiteral("group"));
        flow.groups.append(group);
        loadFlow(row);
        m_groups->setFocus();
        m_groups->setCurrentCell(m_groups->rowCount() - 1, 0);
        m_groups->editItem(m_groups->item(m_groups->rowCount() - 1, 0));
        edited();
    });
    connect(removeGroup, &QPushButton::clicked, this, [this] {
        const int row = m_flowList->currentRow();
        const int group = m_groups->currentRow();
        if (row < 0 || group < 0)
            return;
        m_env.flows[row].groups.removeAt(group);
        loadFlow(row);
        edited();
    });
    m_envelope->onChanged = [this] {
        const int row = m_flowList->currentRow();
        if (m_loading || row < 0)
            return;
        m_env.flows[row].envelope = m_envelope->envelope();
        edited();
    };
    m_deadLetterEnvelope->onChanged = [this] {
        const int row = m_flowList->currentRow();
        if (m_loading || row < 0)
            return;
        m_env.flows[row].deadLetterEnvelope = m_deadLetterEnvelope->envelope();
        edited();
    };
    connect(m_detectSource, &QPushButton::clicked, this, [this] { detectEnvelope(false); });
    connect(m_detectDeadLetter, &QPushButton::clicked, this, [this] { detectEnvelope(true); });
    connect(items.add, &QPushButton::clicked, this, [this] {
        models::FlowConfig flow;
        flow.name = uniqueName(m_env.flows, QStringLiteral("flow"));
        flow.cluster = m_env.clusters.isEmpty() ? QString() : m_env.clusters.first().name;
        appendItem(m_env.flows, flow, m_flowList, m_flowName);
        edited();
    });
    connect(items.remove, &QPushButton::clicked, this, [this] {
        if (!removeCurrent(m_env.flows, m_flowList))
            return;
        loadFlow(m_flowList->currentRow());
        edited();
    });
    return page;
}

void ConnectionsDialog::loadFlow(int row)
{
    const bool loading = m_loading;
    m_loading = true;
    const bool valid = row >= 0 && row < m_env.flows.size();
    const models::FlowConfig flow = valid ? m_env.flows[row] : models::FlowConfig();
    m_flowEditor->setEnabled(valid);
    m_flowName->setText(flow.name);

    m_flowCluster->clear();
    for (const auto &cluster : std::as_const(m_env.clusters))
        m_flowCluster->addItem(cluster.name, cluster.name);
    if (!m_env.cluster(flow.cluster)) {
        // Shown as it is written; the reader's message says what is wrong with it.
        m_flowCluster->insertItem(0, flow.cluster.isEmpty() ? tr("(none)") : flow.cluster, flow.cluster);
    }
    m_flowCluster->setCurrentIndex(m_flowCluster->findData(flow.cluster));

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
        for (const auto &s : std::as_const(m_env.stores))
            store->addItem(s.name, s.name);
        if (store->findData(group.store) < 0)
            store->addItem(group.store, group.store);
        store->setCurrentIndex(store->findData(group.store));
        connect(store, &QComboBox::currentIndexChanged, this, &ConnectionsDialog::readGroups);
        m_groups->setCellWidget(r, 1, store);
    }

    m_envelope->setEnvelope(flow.envelope);
    m_deadLetterEnvelope->setEnvelope(flow.deadLetterEnvelope);
    for (auto it = m_thresholds.cbegin(); it != m_thresholds.cend(); ++it) {
        const auto value = flow.thresholds.constFind(it.key());
        it.value()->setText(value == flow.thresholds.cend() ? QString()
                                                           : QString::number(*value, 'g', 12));
        it.value()->setStyleSheet(QString());
    }
    m_flowNote->clear();
    m_loading = loading;
    updateDetectButtons();
}

void ConnectionsDialog::renameFlow(const QString &text)
{
    if (!m_loading && renameCurrent(m_env.flows, m_flowList, text))
        edited();
}

void ConnectionsDialog::readGroups()
{
    const int row = m_flowList->currentRow();
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
    m_env.flows[row].groups = groups;
    edited();
}

void ConnectionsDialog::readThresholds()
{
    const int row = m_flowList->currentRow();
    if (m_loading || row < 0)
        return;
    QMap<QString, double> thresholds = m_env.flows[row].thresholds;
    for (auto it = m_thresholds.cbegin(); it != m_thresholds.cend(); ++it) {
        QLineEdit *edit = it.value();
        const QString text = edit->text().trimmed();
        bool ok = false;
        const double value = QLocale::c().toDouble(text, &ok);
        // A number still being typed ("0.") keeps the last complete one.
        edit->setStyleSheet(text.isEmpty() || ok ? QString() : QStringLiteral("color: #b3261e;"));
        if (text.isEmpty())
            thresholds.remove(it.key());
        else if (ok)
            thresholds.insert(it.key(), value);
    }
    m_env.flows[row].thresholds = thresholds;
    edited();
}

void ConnectionsDialog::updateDetectButtons()
{
    const int row = m_flowList->currentRow();
    const bool valid = row >= 0 && row < m_env.flows.size();
    const bool canSample = m_detector && valid && m_env.cluster(m_env.flows[row].cluster);
    m_detectSource->setEnabled(canSample && !m_env.flows[row].topics.isEmpty());
    m_detectDeadLetter->setEnabled(canSample && !m_env.flows[row].deadLetterTopic.isEmpty());
}

void ConnectionsDialog::detectEnvelope(bool deadLetter)
{
    commitNames();
    const int row = m_flowList->currentRow();
    if (!m_detector || row < 0)
        return;
    const models::FlowConfig &flow = m_env.flows[row];
    const models::KafkaClusterConfig *cluster = m_env.cluster(flow.cluster);
    if (!cluster)
        return;
    const QString topic = deadLetter ? flow.deadLetterTopic : flow.topics.value(0);
    auto *dialog = new EnvelopeDetectionDialog(m_detector, *cluster, flow.topics,
                                               flow.deadLetterTopic, topic, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString flowName = flow.name;
    connect(dialog, &EnvelopeDetectionDialog::applied, this,
            [this, flowName](const EnvelopeChoice &choice) { applyDetection(flowName, choice); });
    dialog->open();
}

void ConnectionsDialog::applyDetection(const QString &flowName, const EnvelopeChoice &choice)
{
    for (qsizetype i = 0; i < m_env.flows.size(); ++i) {
        models::FlowConfig &flow = m_env.flows[i];
        if (flow.name != flowName)
            continue;
        QStringList changes;
        models::EnvelopeConfig &envelope
            = choice.deadLetterTopic ? flow.deadLetterEnvelope : flow.envelope;
        envelope.preset = choice.preset;
        changes << (choice.deadLetterTopic ? tr("the dead-letter envelope preset to %1")
                                           : tr("the envelope preset to %1"))
                       .arg(choice.preset);
        if (choice.applyPairing && !choice.retryTopics.isEmpty()) {
            flow.retryTopics = choice.retryTopics;
            changes << tr("the retry topics to %1").arg(choice.retryTopics.join(QStringLiteral(", ")));
        }
        if (choice.applyPairing && !choice.deadLetterTopicName.isEmpty()) {
            flow.deadLetterTopic = choice.deadLetterTopicName;
            changes << tr("the dead-letter topic to %1").arg(choice.deadLetterTopicName);
        }
        if (m_flowList->currentRow() == int(i))
            loadFlow(int(i));
        m_flowNote->setText(tr("From a sample of %1: set %2. Not saved yet.")
                                .arg(choice.topic, changes.join(tr("; "))));
        edited();
        return;
    }
}

// Checking and saving ------------------------------------------------------------------------

QWidget *ConnectionsDialog::buildYamlTab()
{
    auto *page = new QWidget(this);
    m_yaml = new QPlainTextEdit(page);
    m_yaml->setObjectName(QStringLiteral("yamlPreview"));
    m_yaml->setReadOnly(true);
    m_yaml->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_yaml->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(hint(tr("The file as it will be saved (secrets masked here). Problems name "
                              "its lines; lines with a problem are marked."),
                           page));
    layout->addWidget(m_yaml, 1);
    return page;
}

void ConnectionsDialog::edited()
{
    if (m_loading)
        return;
    m_modified = true;
    m_validateSoon.start();
}

void ConnectionsDialog::commitNames()
{
    renameCluster(m_clusterName->text());
    renameStore(m_storeName->text());
    renameFlow(m_flowName->text());
}

void ConnectionsDialog::validate()
{
    m_validateSoon.stop();
    const models::Config candidate = config();
    QStringList problems;
    QByteArray preview;
    if (!m_storage) {
        problems << tr("%1: nothing can check or save this configuration here").arg(sourceName());
    } else {
        auto read = m_storage->read(m_storage->text(candidate), sourceName());
        if (!read) {
            problems = read.error().split(u'\n', Qt::SkipEmptyParts);
        } else {
            models::Config back = read.value();
            back.sourcePath = candidate.sourcePath;
            if (!(back == candidate)) {
                problems << tr("%1: the saved file would read back differently from these "
                               "edits; look for names with surrounding spaces or repeated "
                               "envelope fields")
                                .arg(sourceName());
            }
        }
        preview = m_storage->text(masked(candidate));
    }
    m_problems = problems;

    static const QRegularExpression position(QStringLiteral("^.*?:(\\d+):(\\d+): "));
    m_problemList->clear();
    QList<QTextEdit::ExtraSelection> marks;
    const int scroll = m_yaml->verticalScrollBar()->value();
    m_yaml->setPlainText(QString::fromUtf8(preview));
    m_yaml->verticalScrollBar()->setValue(scroll);
    for (const QString &problem : std::as_const(m_problems)) {
        auto *item = new QListWidgetItem(problem, m_problemList);
        const auto match = position.match(problem);
        const int line = match.hasMatch() ? match.captured(1).toInt() : 0;
        item->setData(kLineRole, line);
        if (line > 0) {
            QTextEdit::ExtraSelection mark;
            mark.cursor = QTextCursor(m_yaml->document()->findBlockByNumber(line - 1));
            mark.format.setBackground(QColor(255, 220, 215));
            mark.format.setProperty(QTextFormat::FullWidthSelection, true);
            mark.format.setToolTip(problem);
            marks.append(mark);
        }
    }
    m_yaml->setExtraSelections(marks);
    m_problemList->setVisible(!m_problems.isEmpty());

    if (m_problems.isEmpty()) {
        m_status->setStyleSheet(QStringLiteral("color: #1b6e20;"));
        m_status->setText(m_modified ? tr("The configuration is valid and can be saved.")
                                     : tr("The configuration is valid. No changes yet."));
    } else {
        m_status->setStyleSheet(QStringLiteral("color: #b3261e;"));
        m_status->setText(tr("%n problem(s) to fix before saving; click one to see its line in "
                             "the YAML tab:",
                             nullptr, int(m_problems.size())));
    }
    m_save->setEnabled(m_problems.isEmpty() && m_modified && m_storage);
    updateSecretWarnings();
}

void ConnectionsDialog::showProblemLine(int line)
{
    if (line <= 0)
        return;
    m_tabs->setCurrentWidget(m_yaml->parentWidget());
    QTextCursor cursor(m_yaml->document()->findBlockByNumber(line - 1));
    m_yaml->setTextCursor(cursor);
    m_yaml->centerCursor();
}

void ConnectionsDialog::updateSecretWarnings()
{
    const int cluster = m_clusterList->currentRow();
    QStringList literal;
    if (cluster >= 0 && cluster < m_env.clusters.size()) {
        for (const auto &[key, value] : std::as_const(m_env.clusters[cluster].properties)) {
            if (isLiteralSecret(key, value))
                literal << key;
        }
    }
    m_secretWarning->setText(
        tr("%1 holds a literal secret that would be saved into the file. Move it to an "
           "environment variable and write ${NAME} here.")
            .arg(literal.join(QStringLiteral(", "))));
    m_secretWarning->setVisible(!literal.isEmpty());

    const int store = m_storeList->currentRow();
    const bool storePassword = store >= 0 && store < m_env.stores.size()
        && hasLiteralPassword(m_env.stores[store].connection);
    m_connectionWarning->setText(
        tr("This connection holds a literal password that would be saved into the file. Put it in "
           "~/.pgpass (or a service file) and leave it out here, or write password=${NAME}."));
    m_connectionWarning->setVisible(storePassword);
}

void ConnectionsDialog::accept()
{
    commitNames();
    validate();
    if (!m_problems.isEmpty() || !m_storage)
        return; // the list says why; every edit is kept
    const models::Config candidate = config();
    if (const Status saved = m_storage->save(candidate); !saved) {
        m_status->setStyleSheet(QStringLiteral("color: #b3261e;"));
        m_status->setText(tr("Not saved: %1").arg(saved.error()));
        return;
    }
    m_modified = false;
    QDialog::accept();
}

void ConnectionsDialog::reject()
{
    commitNames();
    if (m_modified
        && QMessageBox::question(this, tr("Discard changes?"),
                                 tr("The connections were changed but not saved. Discard the "
                                    "changes?"),
                                 QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel)
            != QMessageBox::Discard) {
        return;
    }
    QDialog::reject();
}

} // namespace idem::ui
