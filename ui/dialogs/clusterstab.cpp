#include "ui/dialogs/clusterstab.h"

#include "models/config/renames.h"
#include "models/config/secretmasking.h"
#include "ui/dialogs/connectionswidgets.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace idem::ui::connections_detail {

ClustersTab::ClustersTab(models::EnvironmentConfig *env, QWidget *parent)
    : QWidget(parent)
    , m_env(env)
{
    m_editor = new QWidget(this);
    m_name = lineEdit(QStringLiteral("clusterName"), m_editor);
    m_properties = new PairTable({ tr("Property"), tr("Value") }, QStringLiteral("clusterProperties"), true, m_editor);
    m_secretWarning = warning(QStringLiteral("secretWarning"), m_editor);
    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_name);
    auto *editorLayout = new QVBoxLayout(m_editor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(form);
    editorLayout->addWidget(new QLabel(
        tr("librdkafka properties, passed through as written (bootstrap.servers is required):"), m_editor));
    editorLayout->addWidget(m_properties, 1);
    editorLayout->addWidget(m_secretWarning);
    editorLayout->addWidget(hint(
        tr("Values of secret-looking keys (password, secret, token, sasl.*, ssl.key*) are masked. "
           "Secrets do not belong in this file: write a ${NAME} reference instead, expanded from "
           "Idem's environment only when it connects (${NAME:-default} for a fallback)."),
        m_editor));
    const ItemList items = listBeside(m_editor, QStringLiteral("cluster"), tr("Add cluster"), this);
    m_list = items.list;
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(items.splitter);

    connect(m_list, &QListWidget::currentRowChanged, this, &ClustersTab::load);
    connect(m_name, &QLineEdit::editingFinished, this, [this] { rename(m_name->text()); });
    m_properties->onChanged = [this] {
        const int row = m_list->currentRow();
        if (m_loading || row < 0)
            return;
        m_env->clusters[row].properties = m_properties->pairs();
        updateSecretWarning();
        emit edited();
    };
    connect(items.add, &QPushButton::clicked, this, [this] {
        models::KafkaClusterConfig cluster;
        cluster.name = uniqueName(m_env->clusters, QStringLiteral("cluster"));
        cluster.properties = { { QStringLiteral("bootstrap.servers"), QString() } };
        appendItem(m_env->clusters, cluster, m_list, m_name);
        emit clustersChanged(); // the new cluster is a choice for flows
        emit edited();
    });
    connect(items.remove, &QPushButton::clicked, this, [this] {
        if (!removeCurrent(m_env->clusters, m_list))
            return;
        load(m_list->currentRow());
        emit clustersChanged();
        emit edited();
    });
}

ClustersTab::~ClustersTab()
{
    // An editor still open commits while the children are destroyed.
    m_properties->onChanged = nullptr;
    for (QObject *child : findChildren<QObject *>())
        QObject::disconnect(child, nullptr, this, nullptr);
}

void ClustersTab::populate()
{
    m_loading = true;
    m_list->clear();
    for (const auto &cluster : std::as_const(m_env->clusters))
        m_list->addItem(cluster.name);
    m_loading = false;
    m_list->setCurrentRow(m_env->clusters.isEmpty() ? -1 : 0);
    load(m_list->currentRow());
}

void ClustersTab::load(int row)
{
    const bool loading = m_loading;
    m_loading = true;
    const bool valid = row >= 0 && row < m_env->clusters.size();
    m_editor->setEnabled(valid);
    m_name->setText(valid ? m_env->clusters[row].name : QString());
    m_properties->setPairs(valid ? m_env->clusters[row].properties : models::Properties());
    m_loading = loading;
    updateSecretWarning();
}

void ClustersTab::commitName()
{
    rename(m_name->text());
}

void ClustersTab::rename(const QString &text)
{
    if (m_loading)
        return;
    const int row = m_list->currentRow();
    // Flows follow a renamed cluster, unless another cluster still has the old name.
    if (!models::renameCluster(*m_env, row, text))
        return;
    m_list->item(row)->setText(m_env->clusters[row].name);
    emit clustersChanged();
    emit edited();
}

void ClustersTab::updateSecretWarning()
{
    const int cluster = m_list->currentRow();
    QStringList literal;
    if (cluster >= 0 && cluster < m_env->clusters.size()) {
        for (const auto &[key, value] : std::as_const(m_env->clusters[cluster].properties)) {
            if (models::isLiteralSecret(key, value))
                literal << key;
        }
    }
    m_secretWarning->setText(tr("%1 holds a literal secret that would be saved into the file. Move it to an "
                                "environment variable and write ${NAME} here.")
                                 .arg(literal.join(QStringLiteral(", "))));
    m_secretWarning->setVisible(!literal.isEmpty());
}

} // namespace idem::ui::connections_detail
