#pragma once

// Requesting a replay of dead letters (the Dead letters page's selection):
// the items, a reason (required), an optional target topic. On Request the
// source reads the dead letters, runs the dry run and records the request;
// the dialog shows the outcome (the new request's id and its dry run, or the
// database's refusal) and closes on success.
//
//   ReplayRequestDialog dialog(source, QStringLiteral("orders"), selection, this);
//   dialog.exec();

#include "models/replay/replaysource.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace idem::ui {

class ReplayRequestDialog final : public QDialog
{
    Q_OBJECT

public:
    ReplayRequestDialog(models::ReplaySource *source, const QString &flow, const QList<models::DeadLetterRef> &items,
                        QWidget *parent = nullptr);

    // The id of the request made, 0 until then.
    qint64 requestId() const { return m_id; }
    QPlainTextEdit *reasonEdit() const { return m_reason; }

private:
    void submit();

    models::ReplaySource *m_source;
    QString m_flow;
    QList<models::DeadLetterRef> m_items;
    QPlainTextEdit *m_reason = nullptr;
    QLineEdit *m_target = nullptr;
    QLabel *m_status = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    qint64 m_id = 0;
    bool m_waiting = false;
};

} // namespace idem::ui
