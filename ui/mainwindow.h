#pragma once

// The console's main window: a menu bar (File, Edit, View, Go, Help), a
// toolbar with the environment selector and the Trace search, the
// environment's coloured band, a mode bar of pages (Ctrl+1…), and a status
// bar with a health light for every Kafka cluster, store and the ops
// database, and the progress of long actions with their Cancel. Without a
// configuration it shows the welcome page instead. It only applies the
// snapshots it is given; app/ wires it to the live monitor.

#include "models/envelope/deadletterdigest.h"
#include "models/health/connectionhealth.h"
#include "models/metrics/flowmetrics.h"
#include "models/metrics/lagsnapshot.h"
#include "models/metrics/storefigures.h"
#include "models/metrics/timeseries.h"

#include <QHash>
#include <QSet>
#include <QMainWindow>
#include <QTimer>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QSystemTrayIcon;
class QStackedWidget;
class QToolButton;

namespace idem::models {
struct AlertRecord;
class HistorySource;
class ReplaySource;
class ConnectionTableModel;
class DeadLetterSource;
class PartitionTableModel;
class TraceSource;
}

namespace idem::ui {

class DeadLettersPage;
class EnvironmentBand;
class FlowsPage;
class HealthLight;
class ModeBar;
class WelcomePage;
class OverviewPage;
class TracePage;

class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Names what the window looks at, once each: "sandbox — idem.yaml — Idem"
    // (the environment, the configuration file's name; its full path is the
    // window's file path).
    void setSubject(const QString &environment, const QString &configPath);
    // Seconds between polls: the metric history keeps a day of points at
    // that rhythm (and the charts' longest range is a day).
    void setPollInterval(double seconds);
    void showMessage(const QString &message);

    void applyHealth(const models::ConnectionHealth &health);
    // Forgets the connections shown on the Connections page and in the
    // status bar, and the flows of the Overview and Flows pages (their cards,
    // groups, partitions and dead letters), before watching a changed
    // configuration. Metric history stays: a flow kept under its name keeps
    // its charts.
    void resetConnections();
    void applySnapshot(const models::LagSnapshot &snapshot);
    void applyStoreFigures(const models::StoreFigures &figures);
    void applyDeadLetters(const models::DeadLetterDigest &digest);
    // Which stores record each flow's events: their figures are drawn beside the broker's.
    void setFlowStores(const QMap<QString, QStringList> &stores);
    // Per flow, threshold name (lag, lag_seconds, retry_share, error_share,
    // errors_per_minute, dead_letters) to value.
    void setFlowThresholds(const QMap<QString, QMap<QString, double>> &thresholds);

    // Saves a PNG of the window as it is on screen now.
    bool saveScreenshot(const QString &path, QString *error);

    // Where traces run (nullptr until a configuration is watched).
    void setTraceSource(models::TraceSource *source);
    // Opens the Trace page on `eventId` and starts tracing it.
    void openTrace(const QString &eventId);

    // Where the Dead letters page reads from (app/ wires the connector).
    void setDeadLetterSource(models::DeadLetterSource *source);
    // Where replays are requested (the ops database); without one the Dead
    // letters page offers no replay.
    void setReplaySource(models::ReplaySource *source);
    // Opens the Dead letters page on `flow`, filtered to `failure` when given.
    void openDeadLetters(const QString &flow, const QString &failure = {});
    DeadLettersPage *deadLettersPage() const { return m_deadLetters; }
    FlowsPage *flowsPage() const { return m_flows; }
    TracePage *tracePage() const { return m_trace; }
    QLineEdit *traceSearch() const { return m_traceSearch; }
    OverviewPage *overviewPage() const { return m_overview; }
    const models::MetricHistory &history() const { return m_history; }
    void showPage(int index);
    int currentPage() const;
    HealthLight *healthLight(const QString &name) const;
    // A page added by the composition root (e.g. Replays, when there is an
    // ops database), after the built-in ones, with the next Ctrl+N; `icon`
    // names one of ModeBar::modeIconNames(). Returns its index.
    int addPage(const QString &title, QWidget *page, const QString &icon = QStringLiteral("page"));

    // The environments of the configuration, for the toolbar's selector;
    // `current` is the one watched.
    void setEnvironments(const QStringList &names, const QString &current);
    // The band's text and colour (an empty colour: the palette's neutral).
    void setBand(const QString &label, const QString &colour);
    EnvironmentBand *band() const { return m_band; }
    // The welcome page instead of the console (first run without a
    // configuration at `configPath`), or the console again.
    void showWelcome(const QString &configPath);
    void showConsole();
    bool welcomeShown() const;

    // An action that takes a while: `text` and an indeterminate progress bar
    // in the status bar, with a Cancel button that calls `cancel` (and hides
    // the progress). Replaces any progress shown.
    void showProgress(const QString &text, std::function<void()> cancel);
    void hideProgress();
    bool progressShown() const;

    // Library and build versions for Help → About ("librdkafka" → "2.0.2").
    // Qt's and QCustomPlot's are added by the window itself.
    void setAboutVersions(const QList<QPair<QString, QString>> &versions);
    QString aboutText() const;
    // The folder Help → Open log folder opens (empty: the item is disabled).
    void setLogFolder(const QString &folder);
    // Who is signed in to the ops database, with their role ("bob (approver)"),
    // always shown at the right of the status bar.
    void setSignedIn(const QString &text);

    // Where the team's shared history is read (the ops database). Loads the
    // last 24 hours into the charts' history, off the UI thread, and gives
    // the Flows page its 7- and 30-day ranges. Without one (nullptr) the
    // status bar says the history starts at launch.
    void setHistorySource(models::HistorySource *source);
    QString historyState() const;
    // Whether this console records the history now ("recording …" or who does).
    void setRecorderState(const QString &text);
    // The alerts as last read: the tray icon takes the worst open one's
    // colour, and alerts that opened since the last read are announced
    // (QSystemTrayIcon::showMessage) where there is a system tray.
    void applyAlerts(const QList<models::AlertRecord> &alerts);
    // The Flows page on `flow`, with a range that holds `at`, held still.
    void openChartsAt(const QString &flow, const QDateTime &at);

signals:
    // "Edit connections…" on the Connections page (Ctrl+E anywhere).
    void editConnectionsRequested();
    // The toolbar's selector chose another environment of the configuration.
    void environmentSelected(const QString &name);
    // File → Open configuration… chose a file.
    void openConfigurationRequested(const QString &path);
    // The welcome page's two choices.
    void demoRequested();
    void connectRequested();
    // The shared history's last 24 h are in the charts' history.
    void historyLoaded();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void replotVisible();
    void buildMenus();
    void addPageAction(int index, const QString &title);
    void showAbout();

    QMenu *m_goMenu = nullptr;
    QList<QAction *> m_pageActions;
    QAction *m_logFolderAction = nullptr;
    QString m_logFolder;
    QList<QPair<QString, QString>> m_versions;
    QComboBox *m_environment = nullptr;
    EnvironmentBand *m_band = nullptr;
    QStackedWidget *m_outer = nullptr; // the console, or the welcome page
    QWidget *m_console = nullptr;
    WelcomePage *m_welcome = nullptr;
    QLabel *m_progressText = nullptr;
    QProgressBar *m_progress = nullptr;
    QToolButton *m_progressCancel = nullptr;
    std::function<void()> m_cancel;

    models::MetricsTracker m_tracker;
    models::MetricHistory m_history;
    models::GroupSeriesRetention m_groupSeries{5 * 60 * 1000}; // the figures' window
    QTimer m_replot;
    models::PartitionTableModel *m_partitions = nullptr;
    models::ConnectionTableModel *m_connections = nullptr;
    ModeBar *m_sidebar = nullptr;
    QStackedWidget *m_pages = nullptr;
    OverviewPage *m_overview = nullptr;
    FlowsPage *m_flows = nullptr;
    TracePage *m_trace = nullptr;
    QLineEdit *m_traceSearch = nullptr; // in the toolbar
    DeadLettersPage *m_deadLetters = nullptr;
    models::ReplaySource *m_replaySource = nullptr;
    int m_deadLettersIndex = -1;
    QLabel *m_message = nullptr;
    QLabel *m_signedIn = nullptr;
    QLabel *m_historyState = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QSet<qint64> m_seenAlerts;
    bool m_alertsRead = false;
    QHash<QString, HealthLight *> m_lights; // by "kind:name"
    QHash<QString, QLabel *> m_lightNames; // the name beside each light, by the same key
};

} // namespace idem::ui
