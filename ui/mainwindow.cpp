#include "ui/mainwindow.h"

#include "ui/dialogs/replayrequestdialog.h"

#include "models/core/untrustedtext.h"
#include "models/envelope/failuretablemodel.h"
#include "models/health/connectiontablemodel.h"
#include "models/alerts/alerttablemodel.h"
#include "models/alerts/historysource.h"
#include "models/metrics/historypoints.h"
#include "models/metrics/partitiontablemodel.h"
#include "ui/pages/deadletterspage.h"
#include "ui/pages/flowspage.h"
#include "ui/pages/overviewpage.h"
#include "ui/pages/tracepage.h"
#include "ui/widgets/environmentband.h"
#include "ui/widgets/healthlight.h"
#include "ui/widgets/modebar.h"
#include "ui/widgets/welcomepage.h"

#include <qcustomplot.h>

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QUrl>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSystemTrayIcon>
#include <QLineEdit>
#include <QSet>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace idem::ui {

namespace {
constexpr qsizetype kMaxHealthDetail = 2000; // characters of a connection's detail shown
} // namespace

namespace {

HealthLight::State lightState(models::HealthState state)
{
    switch (state) {
    case models::HealthState::Ok:
        return HealthLight::State::Ok;
    case models::HealthState::Degraded:
        return HealthLight::State::Degraded;
    case models::HealthState::Down:
        return HealthLight::State::Down;
    case models::HealthState::Unknown:
        break;
    }
    return HealthLight::State::Unknown;
}

QString lightKey(const models::ConnectionHealth &health)
{
    return QString::number(int(health.kind)) + QLatin1Char(':') + health.name;
}

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_partitions(new models::PartitionTableModel(this))
    , m_connections(new models::ConnectionTableModel(this))
{
    setWindowTitle(tr("Idem"));
    // The last hour as polled, older points thinned: a day of a series costs
    // a fraction of a day of polls, and charts draw the same extremes.
    m_history.setResolution(models::SeriesResolution::day());
    m_sidebar = new ModeBar(this);
    m_sidebar->setFixedWidth(96);
    m_pages = new QStackedWidget(this);

    m_overview = new OverviewPage(&m_history, this);
    m_pages->addWidget(m_overview);
    m_sidebar->addMode(tr("Overview"), QStringLiteral("overview"));
    m_flows = new FlowsPage(m_partitions, &m_history, this);
    m_pages->addWidget(m_flows);
    m_sidebar->addMode(tr("Flows"), QStringLiteral("flows"));
    connect(m_overview, &OverviewPage::flowOpened, this, [this](const QString &flow) {
        m_flows->showFlow(flow);
        showPage(1);
    });

    auto *connectionsPage = new QWidget(this);
    auto *connections = new QTableView(connectionsPage);
    connections->setObjectName(QStringLiteral("connectionsView"));
    connections->setModel(m_connections);
    connections->verticalHeader()->hide();
    connections->horizontalHeader()->setStretchLastSection(true);
    connections->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto *editConnections = new QAction(tr("Edit connections…"), this);
    editConnections->setObjectName(QStringLiteral("editConnectionsAction"));
    editConnections->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    editConnections->setToolTip(tr("Edit the Kafka clusters, stores and flows of the configuration (%1)")
                                    .arg(editConnections->shortcut().toString(QKeySequence::NativeText)));
    addAction(editConnections);
    connect(editConnections, &QAction::triggered, this, &MainWindow::editConnectionsRequested);
    auto *editButton = new QToolButton(connectionsPage);
    editButton->setObjectName(QStringLiteral("editConnections"));
    editButton->setDefaultAction(editConnections);
    editButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto *connectionsBar = new QHBoxLayout;
    connectionsBar->addWidget(new QLabel(tr("Every Kafka cluster, store and the ops database of the "
                                            "environment, as last checked."),
                                         connectionsPage),
                              1);
    connectionsBar->addWidget(editButton);
    auto *connectionsLayout = new QVBoxLayout(connectionsPage);
    connectionsLayout->setContentsMargins(0, 0, 0, 0);
    connectionsLayout->addLayout(connectionsBar);
    connectionsLayout->addWidget(connections, 1);
    m_pages->addWidget(connectionsPage);
    m_sidebar->addMode(tr("Connections"), QStringLiteral("connections"));

    m_trace = new TracePage(this);
    m_trace->setObjectName(QStringLiteral("tracePage"));
    m_pages->addWidget(m_trace);
    m_sidebar->addMode(tr("Trace"), QStringLiteral("trace"));
    connect(m_flows, &FlowsPage::traceRequested, this, &MainWindow::openTrace);

    // The toolbar: the environment selector, and the event_id search (Ctrl+F from anywhere).
    auto *toolbar = addToolBar(tr("Toolbar"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setMovable(false);
    toolbar->addWidget(new QLabel(tr(" Environment "), toolbar));
    m_environment = new QComboBox(toolbar);
    m_environment->setObjectName(QStringLiteral("environmentSelector"));
    m_environment->setToolTip(tr("The environment of the configuration that is watched"));
    m_environment->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_environment->setEnabled(false);
    toolbar->addWidget(m_environment);
    connect(m_environment, &QComboBox::activated, this, [this](int index) {
        const QString name = m_environment->itemText(index);
        const QString watched = m_environment->property("watched").toString();
        if (name != watched)
            emit environmentSelected(name); // setEnvironments() follows when it is watched
        // Shows the environment watched now: the chosen one, or the previous
        // one when the choice could not be watched.
        m_environment->setCurrentText(m_environment->property("watched").toString());
    });
    m_traceSearch = new QLineEdit(toolbar);
    m_traceSearch->setObjectName(QStringLiteral("traceSearch"));
    m_traceSearch->setPlaceholderText(tr("Trace an event_id (Ctrl+F)"));
    m_traceSearch->setClearButtonEnabled(true);
    m_traceSearch->setMaximumWidth(420);
    auto *spacer = new QWidget(toolbar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolbar->addWidget(spacer);
    toolbar->addWidget(m_traceSearch);
    auto *find = new QAction(tr("Trace an event_id"), this);
    find->setObjectName(QStringLiteral("traceSearchAction"));
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::ApplicationShortcut);
    addAction(find);
    connect(find, &QAction::triggered, this, [this] {
        m_traceSearch->setFocus(Qt::ShortcutFocusReason);
        m_traceSearch->selectAll();
    });
    connect(m_traceSearch, &QLineEdit::returnPressed, this, [this] { openTrace(m_traceSearch->text()); });
    // Dead letters: from the sidebar, a flow card's dead-letter figure, or a
    // row of the Flows page's dead-letter failures (filtered to that failure).
    m_deadLetters = new DeadLettersPage(this);
    m_deadLettersIndex = m_pages->addWidget(m_deadLetters);
    m_sidebar->addMode(tr("Dead letters"), QStringLiteral("deadletters"));
    connect(m_overview, &OverviewPage::deadLettersOpened, this, [this](const QString &flow) { openDeadLetters(flow); });
    connect(m_deadLetters, &DeadLettersPage::traceRequested, this, &MainWindow::openTrace);
    connect(m_deadLetters, &DeadLettersPage::replayRequested, this,
            [this](const QString &flow, const QList<models::DeadLetterRef> &items) {
                if (!m_replaySource)
                    return;
                auto *dialog = new ReplayRequestDialog(m_replaySource, flow, items, this);
                dialog->setAttribute(Qt::WA_DeleteOnClose);
                dialog->open();
            });
    if (auto *failures = m_flows->findChild<QTableView *>(QStringLiteral("failuresView"))) {
        failures->setToolTip(tr("Double-click a failure to list its dead letters"));
        connect(failures, &QTableView::activated, this, [this, failures](const QModelIndex &index) {
            const QModelIndex failure = index.sibling(index.row(), models::FailureTableModel::Failure);
            const auto *proxy = qobject_cast<const QSortFilterProxyModel *>(failures->model());
            const auto *table = proxy ? qobject_cast<const models::FailureTableModel *>(proxy->sourceModel()) : nullptr;
            if (table)
                openDeadLetters(table->flow(), failure.data().toString());
        });
    }

    connect(m_sidebar, &ModeBar::currentChanged, m_pages, &QStackedWidget::setCurrentIndex);

    // The band above everything but the menu and the toolbar; below it the
    // mode bar and the pages, or the welcome page.
    m_band = new EnvironmentBand(this);
    m_console = new QWidget(this);
    auto *consoleLayout = new QHBoxLayout(m_console);
    consoleLayout->setContentsMargins(0, 0, 0, 0);
    consoleLayout->setSpacing(0);
    consoleLayout->addWidget(m_sidebar);
    auto *pagesFrame = new QVBoxLayout;
    pagesFrame->setContentsMargins(6, 6, 6, 0);
    pagesFrame->addWidget(m_pages);
    consoleLayout->addLayout(pagesFrame, 1);
    m_welcome = new WelcomePage(this);
    connect(m_welcome, &WelcomePage::demoRequested, this, &MainWindow::demoRequested);
    connect(m_welcome, &WelcomePage::connectRequested, this, &MainWindow::connectRequested);
    m_outer = new QStackedWidget(this);
    m_outer->addWidget(m_console);
    m_outer->addWidget(m_welcome);
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_band);
    centralLayout->addWidget(m_outer, 1);
    setCentralWidget(central);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("statusMessage"));
    statusBar()->addWidget(m_message, 1);
    m_progressText = new QLabel(this);
    m_progressText->setObjectName(QStringLiteral("progressText"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, 0);
    m_progress->setMaximumWidth(160);
    m_progress->setMaximumHeight(fontMetrics().height());
    m_progressCancel = new QToolButton(this);
    m_progressCancel->setObjectName(QStringLiteral("progressCancel"));
    m_progressCancel->setText(tr("Cancel"));
    m_progressCancel->setToolTip(tr("Cancel (Esc)"));
    m_progressCancel->setShortcut(QKeySequence::Cancel);
    connect(m_progressCancel, &QToolButton::clicked, this, [this] {
        auto cancel = std::move(m_cancel);
        hideProgress();
        if (cancel)
            cancel();
    });
    statusBar()->addWidget(m_progressText);
    statusBar()->addWidget(m_progress);
    statusBar()->addWidget(m_progressCancel);
    hideProgress();

    for (int i = 0; i < m_sidebar->count(); ++i)
        addPageAction(i, m_sidebar->modeText(i));
    buildMenus();
    // The Go menu's page actions come after the menus exist.
    for (QAction *action : std::as_const(m_pageActions))
        m_goMenu->addAction(action);
    m_historyState = new QLabel(this);
    m_historyState->setObjectName(QStringLiteral("historyState"));
    m_historyState->setTextFormat(Qt::PlainText);
    statusBar()->addWidget(m_historyState);
    setHistorySource(nullptr);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (!settings.contains(QStringLiteral("window/geometry")))
        resize(1200, 760);
    showPage(std::clamp(settings.value(QStringLiteral("window/page"), 0).toInt(), 0, m_sidebar->count() - 1));

    // Data arrival marks charts dirty; this timer redraws the visible ones,
    // at most 25 times a second.
    m_replot.setInterval(40);
    connect(&m_replot, &QTimer::timeout, this, &MainWindow::replotVisible);
    m_replot.start();
}

void MainWindow::setTraceSource(models::TraceSource *source)
{
    m_trace->setSource(source);
}

void MainWindow::openTrace(const QString &eventId)
{
    showPage(m_pages->indexOf(m_trace));
    m_trace->trace(eventId);
}

void MainWindow::showPage(int index)
{
    m_sidebar->setCurrentIndex(index);
    if (m_sidebar->currentIndex() == index)
        m_pages->setCurrentIndex(index);
}

int MainWindow::currentPage() const
{
    return m_sidebar->currentIndex();
}

int MainWindow::addPage(const QString &title, QWidget *page, const QString &icon)
{
    page->setParent(this);
    m_pages->addWidget(page);
    const int index = m_sidebar->addMode(title, icon);
    addPageAction(index, title);
    m_goMenu->addAction(m_pageActions.last());
    return index;
}

void MainWindow::addPageAction(int index, const QString &title)
{
    auto *action = new QAction(title, this);
    action->setObjectName(QStringLiteral("goPage%1").arg(index + 1));
    if (index < 9)
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + index)));
    action->setShortcutContext(Qt::WindowShortcut);
    connect(action, &QAction::triggered, this, [this, index] {
        showConsole();
        showPage(index);
    });
    addAction(action);
    m_pageActions << action;
    if (QAbstractButton *button = m_sidebar->button(index)) {
        button->setToolTip(action->shortcut().isEmpty()
                               ? title
                               : tr("%1 (%2)").arg(title, action->shortcut().toString(QKeySequence::NativeText)));
    }
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->setObjectName(QStringLiteral("fileMenu"));
    auto *open = file->addAction(tr("&Open configuration…"));
    open->setObjectName(QStringLiteral("openConfigurationAction"));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, [this] {
        const QString start = windowFilePath().isEmpty() ? QDir::homePath() : QFileInfo(windowFilePath()).absolutePath();
        const QString path = QFileDialog::getOpenFileName(this, tr("Open configuration"), start,
                                                          tr("Idem configuration (*.yaml *.yml);;All files (*)"));
        if (!path.isEmpty())
            emit openConfigurationRequested(path);
    });
    if (auto *edit = findChild<QAction *>(QStringLiteral("editConnectionsAction")))
        file->addAction(edit);
    auto *screenshot = file->addAction(tr("Save &screenshot…"));
    screenshot->setObjectName(QStringLiteral("saveScreenshotAction"));
    connect(screenshot, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save screenshot"),
                                                          QDir::home().filePath(QStringLiteral("idem.png")),
                                                          tr("PNG image (*.png)"));
        QString error;
        if (!path.isEmpty() && !saveScreenshot(path, &error))
            QMessageBox::warning(this, tr("Save screenshot"), error);
    });
    file->addSeparator();
    auto *quit = file->addAction(tr("&Quit"));
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->setObjectName(QStringLiteral("editMenu"));
    // Copy and Select all act on the widget with the focus (tables, fields).
    auto *copy = edit->addAction(tr("&Copy"));
    copy->setObjectName(QStringLiteral("copyAction"));
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut); // the focused widget handles Ctrl+C itself
    connect(copy, &QAction::triggered, this, [] {
        if (QWidget *focus = QApplication::focusWidget())
            QMetaObject::invokeMethod(focus, "copy");
    });
    auto *selectAll = edit->addAction(tr("Select &all"));
    selectAll->setObjectName(QStringLiteral("selectAllAction"));
    selectAll->setShortcut(QKeySequence::SelectAll);
    selectAll->setShortcutContext(Qt::WidgetShortcut);
    connect(selectAll, &QAction::triggered, this, [] {
        if (QWidget *focus = QApplication::focusWidget())
            QMetaObject::invokeMethod(focus, "selectAll");
    });
    edit->addSeparator();
    if (auto *find = findChild<QAction *>(QStringLiteral("traceSearchAction")))
        edit->addAction(find);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    if (auto *toolbar = findChild<QToolBar *>(QStringLiteral("mainToolbar")))
        view->addAction(toolbar->toggleViewAction());
    auto *statusBarAction = view->addAction(tr("&Status bar"));
    statusBarAction->setCheckable(true);
    statusBarAction->setChecked(true);
    connect(statusBarAction, &QAction::toggled, statusBar(), &QWidget::setVisible);
    view->addSeparator();
    auto *fullScreen = view->addAction(tr("&Full screen"));
    fullScreen->setObjectName(QStringLiteral("fullScreenAction"));
    fullScreen->setShortcut(QKeySequence::FullScreen);
    fullScreen->setCheckable(true);
    connect(fullScreen, &QAction::toggled, this, [this](bool on) {
        setWindowState(on ? windowState() | Qt::WindowFullScreen : windowState() & ~Qt::WindowFullScreen);
    });

    m_goMenu = menuBar()->addMenu(tr("&Go"));
    m_goMenu->setObjectName(QStringLiteral("goMenu"));
    auto *next = m_goMenu->addAction(tr("&Next page"));
    next->setObjectName(QStringLiteral("nextPageAction"));
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown));
    connect(next, &QAction::triggered, this, [this] { showPage((currentPage() + 1) % m_sidebar->count()); });
    auto *previous = m_goMenu->addAction(tr("&Previous page"));
    previous->setObjectName(QStringLiteral("previousPageAction"));
    previous->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp));
    connect(previous, &QAction::triggered, this,
            [this] { showPage((currentPage() + m_sidebar->count() - 1) % m_sidebar->count()); });
    m_goMenu->addSeparator();

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    m_logFolderAction = help->addAction(tr("Open &log folder"));
    m_logFolderAction->setObjectName(QStringLiteral("openLogFolderAction"));
    m_logFolderAction->setEnabled(false);
    connect(m_logFolderAction, &QAction::triggered, this, [this] {
        if (!QDesktopServices::openUrl(QUrl::fromLocalFile(m_logFolder)))
            QMessageBox::information(this, tr("Log folder"),
                                     tr("No file manager opened the log folder; it is %1").arg(m_logFolder));
    });
    help->addSeparator();
    auto *about = help->addAction(tr("&About Idem"));
    about->setObjectName(QStringLiteral("aboutAction"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
    auto *aboutQt = help->addAction(tr("About &Qt"));
    aboutQt->setMenuRole(QAction::AboutQtRole);
    connect(aboutQt, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::setEnvironments(const QStringList &names, const QString &current)
{
    const QSignalBlocker blocker(m_environment);
    m_environment->clear();
    m_environment->addItems(names);
    m_environment->setCurrentText(current);
    m_environment->setProperty("watched", current);
    m_environment->setEnabled(names.size() > 1);
}

void MainWindow::setBand(const QString &label, const QString &colour)
{
    m_band->setBand(label, colour);
}

void MainWindow::showWelcome(const QString &configPath)
{
    m_welcome->setConfigPath(QDir::toNativeSeparators(configPath));
    m_outer->setCurrentWidget(m_welcome);
    m_band->hide();
    m_environment->setEnabled(false);
}

void MainWindow::showConsole()
{
    m_outer->setCurrentWidget(m_console);
    m_band->show();
}

bool MainWindow::welcomeShown() const
{
    return m_outer->currentWidget() == m_welcome;
}

void MainWindow::showProgress(const QString &text, std::function<void()> cancel)
{
    m_cancel = std::move(cancel);
    m_progressText->setText(text);
    m_progressText->show();
    m_progress->show();
    m_progressCancel->setVisible(bool(m_cancel));
}

void MainWindow::hideProgress()
{
    m_cancel = nullptr;
    m_progressText->hide();
    m_progress->hide();
    m_progressCancel->hide();
}

bool MainWindow::progressShown() const
{
    return !m_progress->isHidden();
}

void MainWindow::setAboutVersions(const QList<QPair<QString, QString>> &versions)
{
    m_versions = versions;
}

QString MainWindow::aboutText() const
{
    QList<QPair<QString, QString>> rows;
    rows << qMakePair(QStringLiteral("Qt"), tr("%1 (built with %2)").arg(QString::fromLatin1(qVersion()),
                                                                            QStringLiteral(QT_VERSION_STR)));
    rows << qMakePair(QStringLiteral("QCustomPlot"), QStringLiteral(QCUSTOMPLOT_VERSION_STR));
    rows << m_versions;
    QString table;
    for (const auto &[name, version] : std::as_const(rows))
        table += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(name.toHtmlEscaped(), version.toHtmlEscaped());
    return tr("<h3>Idem %1</h3><p>A console for event-driven integrations: Kafka flows, their consumers' "
              "stores, dead letters and replays.</p><table cellspacing='6'>%2</table>")
        .arg(QCoreApplication::applicationVersion().toHtmlEscaped(), table);
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Idem"), aboutText());
}

void MainWindow::setLogFolder(const QString &folder)
{
    m_logFolder = folder;
    m_logFolderAction->setEnabled(!folder.isEmpty());
    m_logFolderAction->setToolTip(folder);
}

void MainWindow::setSignedIn(const QString &text)
{
    if (!m_signedIn) {
        m_signedIn = new QLabel(this);
        m_signedIn->setObjectName(QStringLiteral("signedIn"));
        m_signedIn->setTextFormat(Qt::PlainText);
        // First among the permanent widgets, left of the health lights.
        statusBar()->insertPermanentWidget(1, m_signedIn);
    }
    m_signedIn->setText(tr("Signed in: %1").arg(text));
}

void MainWindow::setHistorySource(models::HistorySource *source)
{
    m_flows->setHistorySource(source);
    if (!source) {
        m_historyState->setText(tr("history since launch: no ops database configured"));
        return;
    }
    m_historyState->setText(tr("history: loading the last 24 h from the ops database…"));
    connect(source, &models::HistorySource::recentLoaded, this,
            [this](const models::SeriesPoints &series, qint64 rows, const QString &error) {
                if (!error.isEmpty()) {
                    m_historyState->setText(tr("history since launch: %1").arg(error));
                    m_historyState->setToolTip(error);
                    return;
                }
                for (auto it = series.cbegin(); it != series.cend(); ++it)
                    m_history.prependOlder(it.key(), it.value());
                m_historyState->setText(tr("history: the last 24 h from the ops database"));
                m_historyState->setToolTip(tr("%1 points of %2 series loaded").arg(rows).arg(series.size()));
                m_flows->markDirty();
                emit historyLoaded();
            });
    source->loadRecent(m_history.resolution().keepMs > 0 ? std::min<qint64>(m_history.resolution().keepMs, 86400000)
                                                         : 86400000,
                       m_history.resolution());
}

QString MainWindow::historyState() const
{
    return m_historyState->text();
}

void MainWindow::setRecorderState(const QString &text)
{
    m_historyState->setStatusTip(text);
    const QString base = m_historyState->text().section(QStringLiteral(" · "), 0, 0);
    m_historyState->setText(base + QStringLiteral(" · ") + text);
}

void MainWindow::applyAlerts(const QList<models::AlertRecord> &alerts)
{
    const QString worst = models::worstOpenSeverity(alerts);
    QList<const models::AlertRecord *> fresh;
    for (const auto &a : alerts) {
        if (a.open() && !m_seenAlerts.contains(a.id) && m_alertsRead)
            fresh << &a;
        m_seenAlerts.insert(a.id);
    }
    m_alertsRead = true;
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    if (!m_tray) {
        m_tray = new QSystemTrayIcon(this);
        m_tray->setObjectName(QStringLiteral("alertsTray"));
        connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
            showNormal();
            raise();
            activateWindow();
        });
    }
    const QColor colour = HealthLight::colorOf(worst == QLatin1String("critical") ? HealthLight::State::Down
                                               : worst.isEmpty()                  ? HealthLight::State::Ok
                                                                                  : HealthLight::State::Degraded,
                                                 palette());
    QPixmap pixmap(32, 32);
    pixmap.fill(Qt::transparent);
    {
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(colour.darker(140), 2));
        painter.setBrush(colour);
        painter.drawEllipse(QRectF(3, 3, 26, 26));
    }
    m_tray->setIcon(QIcon(pixmap));
    int open = 0;
    for (const auto &a : alerts)
        open += a.open() ? 1 : 0;
    m_tray->setToolTip(tr("Idem: %n open alert(s)", nullptr, open));
    m_tray->show();
    if (fresh.size() == 1)
        m_tray->showMessage(tr("Alert: %1").arg(fresh.first()->flow), fresh.first()->text,
                            fresh.first()->severity == QLatin1String("critical") ? QSystemTrayIcon::Critical
                                                                                 : QSystemTrayIcon::Warning);
    else if (fresh.size() > 1)
        m_tray->showMessage(tr("%n new alert(s)", nullptr, int(fresh.size())), fresh.first()->text,
                            QSystemTrayIcon::Warning);
}

void MainWindow::openChartsAt(const QString &flow, const QDateTime &at)
{
    m_flows->showFlow(flow);
    showPage(1);
    const qint64 age = at.isValid() ? QDateTime::currentMSecsSinceEpoch() - at.toMSecsSinceEpoch() : 0;
    const QList<qint64> ranges = FlowsPage::rangesMs();
    int index = 0;
    // The shortest range that shows the alert's start with some time before it.
    while (index + 1 < ranges.size() && ranges[index] < age + age / 4 + 60000)
        ++index;
    m_flows->setRange(index);
}

void MainWindow::setDeadLetterSource(models::DeadLetterSource *source)
{
    m_deadLetters->setSource(source);
}

void MainWindow::setReplaySource(models::ReplaySource *source)
{
    m_replaySource = source;
    m_deadLetters->setReplayAvailable(source != nullptr);
}

void MainWindow::openDeadLetters(const QString &flow, const QString &failure)
{
    showPage(m_deadLettersIndex);
    m_deadLetters->showFlow(flow, failure);
}

void MainWindow::replotVisible()
{
    if (m_overview->isVisible())
        m_overview->replotIfDirty();
    if (m_flows->isVisible())
        m_flows->replotIfDirty();
}

MainWindow::~MainWindow() = default;

void MainWindow::setSubject(const QString &environment, const QString &configPath)
{
    // Ends with the application's name, so the window system does not add it again.
    setWindowFilePath(configPath);
    setWindowTitle(tr("%1 — %2 — Idem").arg(environment, QFileInfo(configPath).fileName()));
}

void MainWindow::setPollInterval(double seconds)
{
    // A bound on the points a series holds, should thinning ever fall
    // behind: a day of polls, and a tenth more for polls that come early.
    m_history.setCapacity(qsizetype(std::ceil(86400.0 / std::max(seconds, 0.1) * 1.1)));
}

void MainWindow::showMessage(const QString &message)
{
    m_message->setText(message);
}

HealthLight *MainWindow::healthLight(const QString &name) const
{
    for (HealthLight *light : m_lights) {
        if (light->name().endsWith(name))
            return light;
    }
    return nullptr;
}

void MainWindow::applyHealth(const models::ConnectionHealth &reported)
{
    // A server's error text can be of any length: the table and the light keep a bounded copy.
    models::ConnectionHealth health = reported;
    health.detail = models::capUntrusted(health.detail, kMaxHealthDetail);
    m_connections->apply(health);
    HealthLight *light = m_lights.value(lightKey(health));
    if (!light) {
        const QString label = models::connectionKindName(health.kind) + QLatin1Char(' ') + health.name;
        light = new HealthLight(label, this);
        auto *name = new QLabel(health.name, this);
        name->setToolTip(label);
        statusBar()->addPermanentWidget(light);
        statusBar()->addPermanentWidget(name);
        m_lights.insert(lightKey(health), light);
        m_lightNames.insert(lightKey(health), name);
    }
    light->setState(lightState(health.state), health.detail, health.checkedAt.toLocalTime());
}

void MainWindow::resetConnections()
{
    m_connections->clear();
    qDeleteAll(m_lights);
    qDeleteAll(m_lightNames);
    m_lights.clear();
    m_lightNames.clear();
    m_tracker = models::MetricsTracker();
    m_partitions->clear();
    m_overview->clear();
    m_flows->clear();
}

void MainWindow::applySnapshot(const models::LagSnapshot &snapshot)
{
    m_tracker.add(snapshot);
    const models::MetricsTracker::Figures figures = m_tracker.figures(); // once per poll
    m_partitions->applySnapshot(snapshot, figures.partitions, figures.groups);
    if (snapshot.health.state == models::HealthState::Down)
        return;

    // History: one point per poll for every figure the charts draw.
    const qint64 t = snapshot.takenAt.toMSecsSinceEpoch();
    for (const models::MetricPoint &p : models::pollPoints(snapshot, figures))
        m_history.append(p.series, p.t, p.v);
    QList<QPair<QString, QString>> present;
    for (const auto &g : figures.groups)
        present.append({g.flow, g.group});
    // A group gone for longer than the figures' window leaves no series behind.
    m_groupSeries.update(present, t, m_history);
    const QList<models::FlowFigures> &flows = figures.flows;
    m_overview->apply(flows);
    m_flows->setFlows(figures.groups);
    m_flows->markDirty();
}

void MainWindow::applyStoreFigures(const models::StoreFigures &f)
{
    for (const models::MetricPoint &p : models::storePoints(f))
        m_history.append(p.series, p.t, p.v);
    m_flows->markDirty();
}

void MainWindow::applyDeadLetters(const models::DeadLetterDigest &digest)
{
    m_flows->applyDeadLetters(digest);
    m_overview->applyDeadLetters(digest);
}

void MainWindow::setFlowStores(const QMap<QString, QStringList> &stores)
{
    m_flows->setFlowStores(stores);
}

void MainWindow::setFlowThresholds(const QMap<QString, QMap<QString, double>> &thresholds)
{
    m_flows->setFlowThresholds(thresholds);
    m_overview->setThresholds(thresholds);
}

bool MainWindow::saveScreenshot(const QString &path, QString *error)
{
    const QPixmap pixmap = grab();
    if (pixmap.isNull() || !pixmap.save(path, "PNG")) {
        if (error)
            *error = tr("cannot write the screenshot to %1").arg(path);
        return false;
    }
    return true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/page"), m_sidebar->currentIndex());
    event->accept();
}

} // namespace idem::ui
