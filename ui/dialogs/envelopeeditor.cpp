#include "ui/dialogs/envelopeeditor.h"

#include "models/envelope/envelopefield.h"
#include "models/envelope/presets.h"
#include "ui/dialogs/connectionswidgets.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace idem::ui::connections_detail {

namespace {

// What a preset (or "a+b" combination) reads each field from, for a tooltip:
// the first part that defines a field wins, and Idem's own headers fill the
// rest (presets.h).
QString presetFields(const QString &preset)
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

} // namespace

EnvelopeEditor::EnvelopeEditor(const QString &name, QWidget *parent)
    : QWidget(parent)
    , m_preset(new QComboBox(this))
    , m_fields(new PairTable({ tr("Field"), tr("Where it is found") }, name + QStringLiteral("Fields"), false, this))
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
    offerChoices(m_fields->table(), 0, fields);
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

void EnvelopeEditor::setEnvelope(const models::EnvelopeConfig &envelope)
{
    m_loading = true;
    m_preset->setCurrentText(envelope.preset);
    QList<QPair<QString, QString>> pairs;
    for (auto it = envelope.fields.cbegin(); it != envelope.fields.cend(); ++it)
        pairs.append({ it.key(), it.value() });
    m_fields->setPairs(pairs);
    m_loading = false;
}

models::EnvelopeConfig EnvelopeEditor::envelope() const
{
    models::EnvelopeConfig envelope;
    envelope.preset = m_preset->currentText().trimmed();
    for (const auto &[field, spec] : m_fields->pairs())
        envelope.fields.insert(field, spec.trimmed());
    return envelope;
}

} // namespace idem::ui::connections_detail
