#pragma once

// The connections dialog's "YAML" tab: the file as it would be saved
// (secrets masked), with the lines the reader's problems name marked.
// Internal to ui/dialogs/.

#include <QByteArray>
#include <QStringList>
#include <QWidget>

class QPlainTextEdit;

namespace idem::ui::connections_detail {

class YamlTab final : public QWidget
{
public:
    explicit YamlTab(QWidget *parent);

    // Shows `preview`, keeping the scroll position, and marks the line each
    // of `problems` names ("SOURCE:LINE:COLUMN: …").
    void showPreview(const QByteArray &preview, const QStringList &problems);
    // Moves to `line` (1-based) and centres it.
    void showLine(int line);

    // The line a reader's problem names; 0 when it names none.
    static int problemLine(const QString &problem);

private:
    QPlainTextEdit *m_yaml;
};

} // namespace idem::ui::connections_detail
