#include "ui/dialogs/connectionswidgets.h"

#include "models/core/statuscolours.h"

#include "models/config/config.h"
#include "models/config/secretmasking.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QVBoxLayout>

namespace idem::ui::connections_detail {

namespace {

// Where a pair table keeps a value; what it displays may be masked.
constexpr int kValueRole = Qt::UserRole + 1;

// What a value cell displays: the value, or a mask for a literal secret when
// the table masks secrets.
QString displayed(bool masking, const QString &key, const QString &value)
{
    return masking && models::isLiteralSecret(key, value) ? models::secretMask() : value;
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

QPushButton *smallButton(const QString &text, const QString &objectName, QWidget *parent)
{
    auto *button = new QPushButton(text, parent);
    button->setObjectName(objectName);
    button->setAutoDefault(false);
    return button;
}

QLineEdit *lineEdit(const QString &objectName, QWidget *parent, const QString &placeholder)
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
    label->setStyleSheet(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Warning) + QLatin1Char(';'));
    label->hide();
    return label;
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

void focusName(QLineEdit *name)
{
    name->setFocus();
    name->selectAll();
}

void offerChoices(QTableWidget *table, int column, const QStringList &choices)
{
    table->setItemDelegateForColumn(column, new ChoiceDelegate(choices, table));
}

PairTable::PairTable(const QStringList &headers, const QString &name, bool masking, QWidget *parent)
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

void PairTable::setPairs(const QList<QPair<QString, QString>> &pairs)
{
    m_loading = true;
    m_table->setRowCount(0);
    for (qsizetype i = 0; i < pairs.size(); ++i)
        setRow(int(i), pairs[i].first, pairs[i].second);
    m_loading = false;
}

QList<QPair<QString, QString>> PairTable::pairs() const
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

void PairTable::setRow(int row, const QString &key, const QString &value)
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

void PairTable::refreshDisplay(int row)
{
    QTableWidgetItem *key = m_table->item(row, 0);
    QTableWidgetItem *value = m_table->item(row, 1);
    if (!key || !value)
        return;
    const QString text = displayed(m_masking, key->text().trimmed(), value->data(kValueRole).toString());
    if (value->text() != text) {
        const bool loading = m_loading;
        m_loading = true;
        value->setText(text);
        m_loading = loading;
    }
}

} // namespace idem::ui::connections_detail
