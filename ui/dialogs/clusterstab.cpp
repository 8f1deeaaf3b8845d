#include "ui/dialogs/clusterstab.h"

#include "models/config/connectiontools.h"
#include "models/config/renames.h"
#include "models/config/secretmasking.h"
#include "ui/dialogs/connectionswidgets.h"
#include "ui/dialogs/connectiontest.h"

#include <QComboBox>
#include <QGroupBox>
#include <QInputDialog>
#include <QRegularExpression>

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

    // Security: the librdkafka properties for SASL and TLS, as fields.
    auto *security = new QGroupBox(tr("Security"), m_editor);
    auto *securityForm = new QFormLayout(security);
    m_protocol = new QComboBox(security);
    m_protocol->setObjectName(QStringLiteral("securityProtocol"));
    m_protocol->addItems({QString(), QStringLiteral("PLAINTEXT"), QStringLiteral("SSL"), QStringLiteral("SASL_PLAINTEXT"),
                          QStringLiteral("SASL_SSL")});
    m_mechanism = new QComboBox(security);
    m_mechanism->setObjectName(QStringLiteral("saslMechanism"));
    m_mechanism->addItems({QString(), QStringLiteral("PLAIN"), QStringLiteral("SCRAM-SHA-256"), QStringLiteral("SCRAM-SHA-512")});
    securityForm->addRow(tr("security.protocol"), m_protocol);
    securityForm->addRow(tr("SASL mechanism"), m_mechanism);
    struct Field
    {
        const char *key;
        QString label;
        QString placeholder;
        bool secret;
    };
    const QList<Field> fields = {
        {"sasl.username", tr("SASL user"), tr("svc-idem, or ${KAFKA_USER}"), false},
        {"sasl.password", tr("SASL password"), tr("${KAFKA_PASSWORD} or ${keychain:NAME}"), true},
        {"ssl.ca.location", tr("TLS CA file"), tr("/etc/ssl/certs/ca-certificates.crt"), false},
        {"ssl.certificate.location", tr("Client certificate"), tr("/path/to/client.pem"), false},
        {"ssl.key.location", tr("Client key"), tr("/path/to/client.key"), false},
        {"ssl.key.password", tr("Key password"), tr("${KAFKA_KEY_PASSWORD} or ${keychain:NAME}"), true},
    };
    for (const Field &f : fields) {
        const QString key = QString::fromLatin1(f.key);
        QString name = key;
        name.replace(u'.', u'_');
        auto *edit = lineEdit(name, security, f.placeholder);
        m_fields.append({key, edit});
        connect(edit, &QLineEdit::textEdited, this, [this, key](const QString &text) { setClusterProperty(key, text.trimmed()); });
        if (f.secret) {
            auto *store = smallButton(tr("Store in keychain…"), name + QStringLiteral("Keychain"), security);
            store->setEnabled(false);
            m_keychainButtons.append(store);
            connect(store, &QPushButton::clicked, this, [this, key] { storeInKeychain(key); });
            securityForm->addRow(f.label, withButton(edit, store, security));
        } else {
            securityForm->addRow(f.label, edit);
        }
    }
    connect(m_protocol, &QComboBox::activated, this,
            [this] { setClusterProperty(QStringLiteral("security.protocol"), m_protocol->currentText()); });
    connect(m_mechanism, &QComboBox::activated, this,
            [this] { setClusterProperty(QStringLiteral("sasl.mechanism"), m_mechanism->currentText()); });
    m_test = new ConnectionTestPanel(QStringLiteral("clusterTest"), m_editor);

    auto *editorLayout = new QVBoxLayout(m_editor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(form);
    editorLayout->addWidget(security);
    editorLayout->addWidget(m_test);
    editorLayout->addWidget(new QLabel(
        tr("librdkafka properties, passed through as written (bootstrap.servers is required):"), m_editor));
    editorLayout->addWidget(m_properties, 1);
    editorLayout->addWidget(m_secretWarning);
    editorLayout->addWidget(hint(
        tr("Values of secret-looking keys (password, secret, token, sasl.*, ssl.key*) are masked. "
           "Secrets do not belong in this file: write ${keychain:NAME} for a secret in the OS keychain, or "
           "a ${NAME} reference expanded from Idem's environment only when it connects "
           "(${NAME:-default} for a fallback)."),
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
        loadSecurity();
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
    loadSecurity();
    m_test->clear();
    m_loading = loading;
    updateSecretWarning();
}

void ClustersTab::loadSecurity()
{
    const int row = m_list->currentRow();
    const models::KafkaClusterConfig cluster = row >= 0 && row < m_env->clusters.size() ? m_env->clusters[row]
                                                                                         : models::KafkaClusterConfig();
    auto choose = [](QComboBox *box, const QString &value) {
        if (box->findText(value) < 0)
            box->addItem(value); // a value librdkafka knows and this list does not (GSSAPI, OAUTHBEARER)
        box->setCurrentIndex(box->findText(value));
    };
    choose(m_protocol, cluster.property(QStringLiteral("security.protocol")).toUpper());
    choose(m_mechanism, cluster.property(QStringLiteral("sasl.mechanism")));
    for (const auto &[key, edit] : std::as_const(m_fields)) {
        const QString value = cluster.property(key);
        // A literal secret is never shown in clear; a reference is not a secret.
        edit->setEchoMode(models::isLiteralSecret(key, value) ? QLineEdit::Password : QLineEdit::Normal);
        if (edit->text() != value)
            edit->setText(value);
    }
}

void ClustersTab::setClusterProperty(const QString &key, const QString &value)
{
    const int row = m_list->currentRow();
    if (m_loading || row < 0 || row >= m_env->clusters.size())
        return;
    models::Properties &properties = m_env->clusters[row].properties;
    const auto it = std::find_if(properties.begin(), properties.end(), [&](const auto &p) { return p.first == key; });
    if (value.isEmpty()) {
        if (it != properties.end())
            properties.erase(it);
    } else if (it != properties.end()) {
        it->second = value;
    } else {
        properties.append({key, value});
    }
    m_loading = true;
    m_properties->setPairs(properties);
    m_loading = false;
    for (const auto &[k, edit] : std::as_const(m_fields)) {
        if (k == key)
            edit->setEchoMode(models::isLiteralSecret(key, value) ? QLineEdit::Password : QLineEdit::Normal);
    }
    updateSecretWarning();
    emit edited();
}

void ClustersTab::setTools(models::ConnectionTools *tools)
{
    m_tools = tools;
    for (QPushButton *b : std::as_const(m_keychainButtons))
        b->setEnabled(tools != nullptr);
    m_test->setTools(tools, [this](models::ConnectionTools *t) -> quint64 {
        const int row = m_list->currentRow();
        if (row < 0 || row >= m_env->clusters.size())
            return 0;
        const models::KafkaClusterConfig &cluster = m_env->clusters[row];
        QStringList topics;
        QStringList groups;
        for (const models::FlowConfig &flow : std::as_const(m_env->flows)) {
            if (flow.cluster != cluster.name)
                continue;
            topics += flow.topics;
            for (const auto &g : flow.groups)
                groups << g.name;
        }
        topics.removeDuplicates();
        groups.removeDuplicates();
        return t->testCluster(cluster, topics, groups);
    });
    if (!tools)
        return;
    connect(tools, &models::ConnectionTools::secretStored, this, [this](const QString &name, const QString &error) {
        const QString key = std::exchange(m_pendingSecretKey, QString());
        if (key.isEmpty())
            return;
        if (!error.isEmpty()) {
            emit keychainMessage(tr("The secret was not stored in the keychain: %1").arg(error), true);
            return;
        }
        const QString reference = QStringLiteral("${keychain:%1}").arg(name);
        for (const auto &[k, edit] : std::as_const(m_fields)) {
            if (k == key)
                edit->setText(reference);
        }
        setClusterProperty(key, reference);
        emit keychainMessage(tr("Stored in the keychain as %1; the file holds only the reference.").arg(reference), false);
    });
}

void ClustersTab::storeInKeychain(const QString &key)
{
    const int row = m_list->currentRow();
    if (!m_tools || row < 0 || row >= m_env->clusters.size())
        return;
    QString name = QStringLiteral("kafka-%1-%2").arg(m_env->clusters[row].name, key);
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._@/-]")), QStringLiteral("-"));
    bool ok = false;
    const QString secret = QInputDialog::getText(this, tr("Store in keychain"),
                                                 tr("The value of %1 for cluster %2. It is stored in the OS keychain as "
                                                    "%3; the file gets ${keychain:%3}.")
                                                     .arg(key, m_env->clusters[row].name, name),
                                                 QLineEdit::Password, QString(), &ok);
    if (!ok || secret.isEmpty())
        return;
    m_pendingSecretKey = key;
    m_tools->storeSecret(name, secret);
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
