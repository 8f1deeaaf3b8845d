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
#include "ui/widgets/healthlight.h"

#include <QAction>
#include <QCloseEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSystemTrayIcon>
#include <QLineEdit>
#include <QListWidget>
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
    m_sidebar = new QListWidget(this);
    m_sidebar->setObjectName(QStringLiteral("sidebar"));
    m_sidebar->setMaximumWidth(180);
    m_pages = new QStackedWidget(this);

    m_overview = new OverviewPage(&m_history, this);
    m_pages->addWidget(m_overview);
    m_sidebar->addItem(tr("Overview"));
    m_flows = new FlowsPage(m_partitions, &m_history, this);
    m_pages->addWidget(m_flows);
    m_sidebar->addItem(tr("Flows"));
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
    m_sidebar->addItem(tr("Connections"));

    m_trace = new TracePage(this);
    m_trace->setObjectName(QStringLiteral("tracePage"));
    m_pages->addWidget(m_trace);
    m_sidebar->addItem(tr("Trace"));
    connect(m_flows, &FlowsPage::traceRequested, this, &MainWindow::openTrace);

    // The toolbar's event_id search: Ctrl+F from anywhere.
    auto *toolbar = addToolBar(tr("Search"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setMovable(false);
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
    m_sidebar->addItem(tr("Dead letters"));
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

    connect(m_sidebar, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(m_sidebar);
    splitter->addWidget(m_pages);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("statusMessage"));
    statusBar()->addWidget(m_message, 1);
    m_historyState = new QLabel(this);
    m_historyState->setObjectName(QStringLiteral("historyState"));
    m_historyState->setTextFormat(Qt::PlainText);
    statusBar()->addWidget(m_historyState);
    setHistorySource(nullptr);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    if (!settings.contains(QStringLiteral("window/geometry")))
        resize(1200, 760);
    m_sidebar->setCurrentRow(std::clamp(settings.value(QStringLiteral("window/page"), 0).toInt(), 0,
                                        m_sidebar->count() - 1));

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
    m_sidebar->setCurrentRow(index);
}

int MainWindow::addPage(const QString &title, QWidget *page)
{
    page->setParent(this);
    m_pages->addWidget(page);
    m_sidebar->addItem(title);
    return m_sidebar->count() - 1;
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
                                                                                  : HealthLight::State::Degraded);
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
    settings.setValue(QStringLiteral("window/page"), m_sidebar->currentRow());
    event->accept();
}

} // namespace idem::ui
