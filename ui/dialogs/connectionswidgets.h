#pragma once

// Widgets the tabs of the connections dialog share: a list of items beside
// the editor of the selected one, a table of name/value pairs whose values
// under secret-looking keys are masked (and edited in a password field), and
// small factories for buttons, fields and hints. Internal to ui/dialogs/.

#include <QList>
#include <QListWidget>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <algorithm>
#include <functional>

class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableWidget;

namespace idem::ui::connections_detail {

QPushButton *smallButton(const QString &text, const QString &objectName, QWidget *parent);
QLineEdit *lineEdit(const QString &objectName, QWidget *parent, const QString &placeholder = {});
QLabel *hint(const QString &text, QWidget *parent);
// A warning label, hidden until there is something to say.
QLabel *warning(const QString &objectName, QWidget *parent);
// `field` stretched, with `button` on its right.
QWidget *withButton(QWidget *field, QWidget *button, QWidget *parent);

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
ItemList listBeside(QWidget *editor, const QString &kind, const QString &addText, QWidget *parent);

// `base`, or `base-2`, `base-3`, … : the first name no item has.
template<typename T> QString uniqueName(const QList<T> &items, const QString &base)
{
    const auto taken = [&items](const QString &name) {
        return std::any_of(items.cbegin(), items.cend(), [&name](const T &item) { return item.name == name; });
    };
    QString name = base;
    for (int n = 2; taken(name); ++n)
        name = base + QLatin1Char('-') + QString::number(n);
    return name;
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

// Focuses `name` and selects its text.
void focusName(QLineEdit *name);

// Adds `item` at the end and selects it, ready for its name to be typed.
template<typename T> void appendItem(QList<T> &items, T item, QListWidget *list, QLineEdit *name)
{
    const QString text = item.name;
    items.append(std::move(item));
    list->addItem(text);
    list->setCurrentRow(list->count() - 1);
    focusName(name);
}

// A table of name/value pairs with buttons to add and remove rows. With
// `masking`, literal values of secret-looking keys are displayed masked
// (models::isLiteralSecret): the mask is the cell's text, so nothing (a
// screen reader, a copy) reads the secret from the view, and such a value is
// edited in a password field.
class PairTable final : public QWidget
{
public:
    PairTable(const QStringList &headers, const QString &name, bool masking, QWidget *parent);

    QTableWidget *table() const { return m_table; }
    void setPairs(const QList<QPair<QString, QString>> &pairs);
    QList<QPair<QString, QString>> pairs() const;

    std::function<void()> onChanged;

private:
    void setRow(int row, const QString &key, const QString &value);
    void refreshDisplay(int row);

    QTableWidget *m_table;
    QPushButton *m_add;
    QPushButton *m_remove;
    bool m_masking;
    bool m_loading = false;
};

// Offers `choices` in an editable list for a cell of `column`; anything else
// may still be typed (the reader names the closest known one).
void offerChoices(QTableWidget *table, int column, const QStringList &choices);

} // namespace idem::ui::connections_detail
