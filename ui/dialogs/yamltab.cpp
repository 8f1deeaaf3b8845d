#include "ui/dialogs/yamltab.h"

#include "models/core/statuscolours.h"

#include "ui/dialogs/connectionswidgets.h"

#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTextBlock>
#include <QVBoxLayout>

namespace idem::ui::connections_detail {

YamlTab::YamlTab(QWidget *parent)
    : QWidget(parent)
    , m_yaml(new QPlainTextEdit(this))
{
    m_yaml->setObjectName(QStringLiteral("yamlPreview"));
    m_yaml->setReadOnly(true);
    m_yaml->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_yaml->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(hint(tr("The file as it will be saved (secrets masked here). Problems name "
                              "its lines; lines with a problem are marked."),
                           this));
    layout->addWidget(m_yaml, 1);
}

int YamlTab::problemLine(const QString &problem)
{
    static const QRegularExpression position(QStringLiteral("^.*?:(\\d+):(\\d+): "));
    const auto match = position.match(problem);
    return match.hasMatch() ? match.captured(1).toInt() : 0;
}

void YamlTab::showPreview(const QByteArray &preview, const QStringList &problems)
{
    QList<QTextEdit::ExtraSelection> marks;
    const int scroll = m_yaml->verticalScrollBar()->value();
    m_yaml->setPlainText(QString::fromUtf8(preview));
    m_yaml->verticalScrollBar()->setValue(scroll);
    for (const QString &problem : problems) {
        const int line = problemLine(problem);
        if (line > 0) {
            QTextEdit::ExtraSelection mark;
            mark.cursor = QTextCursor(m_yaml->document()->findBlockByNumber(line - 1));
            // The error shade, faint, on either palette.
            QColor shade = models::statusColour(models::StatusColour::Error, m_yaml->palette());
            shade.setAlpha(56);
            mark.format.setBackground(shade);
            mark.format.setProperty(QTextFormat::FullWidthSelection, true);
            mark.format.setToolTip(problem);
            marks.append(mark);
        }
    }
    m_yaml->setExtraSelections(marks);
}

void YamlTab::showLine(int line)
{
    if (line <= 0)
        return;
    QTextCursor cursor(m_yaml->document()->findBlockByNumber(line - 1));
    m_yaml->setTextCursor(cursor);
    m_yaml->centerCursor();
}

} // namespace idem::ui::connections_detail
