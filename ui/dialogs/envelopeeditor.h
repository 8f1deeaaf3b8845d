#pragma once

// The connections dialog's editor of one envelope of a flow: a preset
// (editable: "cloudevents+spring" combines) and per-field overrides, with
// what the preset reads each field from as its tooltip. Internal to
// ui/dialogs/.

#include "models/config/config.h"

#include <QWidget>

#include <functional>

class QComboBox;

namespace idem::ui::connections_detail {

class PairTable;

class EnvelopeEditor final : public QWidget
{
public:
    EnvelopeEditor(const QString &name, QWidget *parent);

    void setEnvelope(const models::EnvelopeConfig &envelope);
    models::EnvelopeConfig envelope() const;

    std::function<void()> onChanged;

private:
    QComboBox *m_preset;
    PairTable *m_fields;
    bool m_loading = false;
};

} // namespace idem::ui::connections_detail
