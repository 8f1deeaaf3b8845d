#include "ui/dialogs/connectionsdialog.h"

#include "models/core/statuscolours.h"

#include "models/config/connectiontools.h"
#include "models/config/secretmasking.h"
#include "ui/dialogs/clusterstab.h"
#include "ui/dialogs/flowstab.h"
#include "ui/dialogs/storestab.h"
#include "ui/dialogs/yamltab.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace idem::ui {

using namespace connections_detail;

namespace {

constexpr int kLineRole = Qt::UserRole;

} // namespace

ConnectionsDialog::ConnectionsDialog(models::Config config, const QString &environment,
                                     models::ConfigStorage *storage,
                                     models::EnvelopeDetector *detector, QWidget *parent)
    : QDialog(parent)
    , m_config(std::move(config))
    , m_storage(storage)
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
    if (m_storage)
        m_loadedStamp = m_storage->stamp(m_config.sourcePath);
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

    m_keychain = new QLabel(this);
    m_keychain->setObjectName(QStringLiteral("keychainStatus"));
    m_keychain->setWordWrap(true);
    m_keychain->setTextFormat(Qt::PlainText);
    m_keychain->setText(tr("Secrets: write ${NAME} for an environment variable, ${keychain:NAME} for the OS keychain, "
                           "or leave PostgreSQL passwords to libpq's .pgpass or service file."));

    m_clusters = new ClustersTab(&m_env, this);
    m_stores = new StoresTab(&m_env, this);
    m_flows = new FlowsTab(&m_env, detector, this);
    m_yaml = new YamlTab(this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("connectionsTabs"));
    m_tabs->addTab(m_clusters, tr("Kafka clusters"));
    m_tabs->addTab(m_stores, tr("Stores"));
    m_tabs->addTab(m_flows, tr("Flows"));
    m_tabs->addTab(m_yaml, tr("YAML"));
    connect(m_clusters, &ClustersTab::edited, this, &ConnectionsDialog::edited);
    connect(m_stores, &StoresTab::edited, this, &ConnectionsDialog::edited);
    connect(m_flows, &FlowsTab::edited, this, &ConnectionsDialog::edited);
    connect(m_clusters, &ClustersTab::clustersChanged, m_flows, &FlowsTab::reload);
    connect(m_stores, &StoresTab::storesChanged, m_flows, &FlowsTab::reload);
    connect(m_flows, &FlowsTab::aboutToDetect, this, &ConnectionsDialog::commitNames);

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
    layout->addWidget(m_keychain);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_status);
    layout->addWidget(m_problemList);
    layout->addWidget(buttons);
    resize(1020, 720);

    m_validateSoon.setSingleShot(true);
    m_validateSoon.setInterval(150);
    connect(&m_validateSoon, &QTimer::timeout, this, &ConnectionsDialog::validate);

    populate();
    validate();
}

ConnectionsDialog::~ConnectionsDialog()
{
    // An editor still open commits while the children are destroyed; nothing
    // may reach this dialog then. The tabs go first, while the environment
    // they edit is still here.
    m_validateSoon.stop();
    for (QObject *child : findChildren<QObject *>())
        QObject::disconnect(child, nullptr, this, nullptr);
    delete m_tabs;
}

void ConnectionsDialog::setConnectionTools(models::ConnectionTools *tools)
{
    m_clusters->setTools(tools);
    m_stores->setTools(tools);
    if (!tools)
        return;
    connect(m_clusters, &ClustersTab::keychainMessage, this, [this](const QString &text, bool problem) {
        m_keychain->setText(problem ? text + tr(" Use a ${NAME} environment reference instead, or libpq's .pgpass or "
                                                "service file for PostgreSQL.")
                                    : text);
    });
    connect(tools, &models::ConnectionTools::keychainChecked, this, [this](bool available, const QString &reason) {
        if (available) {
            m_keychain->setText(tr("The OS keychain answers: store a secret with \"Store in keychain…\" and the file "
                                   "holds only ${keychain:NAME}. ${NAME} environment references and libpq's .pgpass "
                                   "or service file work as well."));
        } else {
            m_keychain->setText(tr("No keychain service answers here (%1). Use ${NAME} references to environment "
                                   "variables, or libpq's .pgpass or service file for PostgreSQL.")
                                    .arg(reason));
        }
    });
    tools->checkKeychain();
}

void ConnectionsDialog::populate()
{
    m_loading = true;
    m_clusters->populate();
    m_stores->populate();
    m_flows->populate();
    m_loading = false;
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

void ConnectionsDialog::edited()
{
    if (m_loading)
        return;
    m_modified = true;
    m_validateSoon.start();
}

void ConnectionsDialog::commitNames()
{
    m_clusters->commitName();
    m_stores->commitName();
    m_flows->commitName();
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
        preview = m_storage->text(models::maskedConfig(candidate));
    }
    m_problems = problems;

    m_problemList->clear();
    m_yaml->showPreview(preview, m_problems);
    for (const QString &problem : std::as_const(m_problems)) {
        auto *item = new QListWidgetItem(problem, m_problemList);
        item->setData(kLineRole, YamlTab::problemLine(problem));
    }
    m_problemList->setVisible(!m_problems.isEmpty());

    if (m_problems.isEmpty()) {
        m_status->setStyleSheet(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Ok) + QLatin1Char(';'));
        m_status->setText(m_modified ? tr("The configuration is valid and can be saved.")
                                     : tr("The configuration is valid. No changes yet."));
    } else {
        m_status->setStyleSheet(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Error) + QLatin1Char(';'));
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
    m_tabs->setCurrentWidget(m_yaml);
    m_yaml->showLine(line);
}

void ConnectionsDialog::updateSecretWarnings()
{
    m_clusters->updateSecretWarning();
    m_stores->updateSecretWarning();
}

bool ConnectionsDialog::changedOnDisk() const
{
    if (!m_storage || !m_loadedStamp)
        return false;
    const std::optional<models::FileStamp> now = m_storage->stamp(m_config.sourcePath);
    return now && models::contentChanged(*m_loadedStamp, *now);
}

ConnectionsDialog::OnDiskChange ConnectionsDialog::askAboutChange()
{
    QMessageBox box(QMessageBox::Warning, tr("File changed on disk"),
                    tr("%1 was changed on disk since these connections were opened (by hand, or by "
                       "another Idem). Saving now would overwrite that change with your edits.")
                        .arg(m_config.sourcePath),
                    QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("fileChangedOnDisk"));
    box.setInformativeText(tr("Reload the file (your edits here are discarded), or overwrite it?"));
    QPushButton *reload = box.addButton(tr("Reload…"), QMessageBox::DestructiveRole);
    reload->setObjectName(QStringLiteral("reload"));
    QPushButton *overwrite = box.addButton(tr("Overwrite"), QMessageBox::AcceptRole);
    overwrite->setObjectName(QStringLiteral("overwrite"));
    QPushButton *cancel = box.addButton(QMessageBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancel"));
    box.setDefaultButton(cancel);
    box.exec();
    if (box.clickedButton() == overwrite)
        return OnDiskChange::Overwrite;
    if (box.clickedButton() == reload)
        return OnDiskChange::Reload;
    return OnDiskChange::Cancel;
}

bool ConnectionsDialog::reloadFromDisk()
{
    QMessageBox confirm(QMessageBox::Question, tr("Discard your edits?"),
                        tr("Reloading %1 discards every edit made here since it was opened.").arg(m_config.sourcePath),
                        QMessageBox::Discard | QMessageBox::Cancel, this);
    confirm.setObjectName(QStringLiteral("confirmReload"));
    confirm.button(QMessageBox::Discard)->setObjectName(QStringLiteral("discard"));
    confirm.button(QMessageBox::Cancel)->setObjectName(QStringLiteral("cancel"));
    confirm.setDefaultButton(QMessageBox::Cancel);
    if (confirm.exec() != QMessageBox::Discard)
        return false;
    const std::optional<models::FileStamp> stamp = m_storage->stamp(m_config.sourcePath);
    auto loaded = m_storage->load(m_config.sourcePath);
    qsizetype index = -1;
    if (loaded) {
        for (qsizetype i = 0; i < loaded->environments.size(); ++i) {
            if (loaded->environments[i].name == m_env.name)
                index = i;
        }
    }
    if (!loaded || index < 0) {
        m_status->setStyleSheet(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Error) + QLatin1Char(';'));
        m_status->setText(tr("Not reloaded: %1")
                              .arg(loaded ? tr("%1 no longer has environment %2").arg(m_config.sourcePath, m_env.name)
                                          : loaded.error()));
        return false; // every edit is kept
    }
    m_config = loaded.value();
    m_envIndex = int(index);
    m_env = m_config.environments.at(m_envIndex);
    m_loadedStamp = stamp;
    m_modified = false;
    populate();
    validate();
    return true;
}

void ConnectionsDialog::accept()
{
    commitNames();
    validate();
    if (!m_problems.isEmpty() || !m_storage)
        return; // the list says why; every edit is kept
    if (changedOnDisk()) {
        switch (askAboutChange()) {
        case OnDiskChange::Overwrite:
            break;
        case OnDiskChange::Reload:
            reloadFromDisk();
            return;
        case OnDiskChange::Cancel:
            return;
        }
    }
    const models::Config candidate = config();
    if (const Status saved = m_storage->save(candidate); !saved) {
        m_status->setStyleSheet(QStringLiteral("color: ") + models::statusColourName(models::StatusColour::Error) + QLatin1Char(';'));
        m_status->setText(tr("Not saved: %1 Your edits are still here, and Idem keeps watching the previous "
                             "configuration.")
                              .arg(saved.error()));
        return;
    }
    m_loadedStamp = m_storage->stamp(m_config.sourcePath);
    m_modified = false;
    if (const QString note = m_storage->lastSaveNote(); !note.isEmpty()) {
        QMessageBox box(QMessageBox::Information, tr("Connections saved"), note, QMessageBox::Ok, this);
        box.setObjectName(QStringLiteral("saveNote"));
        box.exec();
    }
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
