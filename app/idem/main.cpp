// idem: the desktop console. The composition root: it loads the
// configuration, starts the live monitor (connectors) and the main window
// (ui), and wires one to the other. With --demo it first starts idem-sandbox
// as a child process and opens the console on the world it describes.
//
// SIGTERM, SIGINT and SIGHUP (a logout, `kill`, Ctrl-C) quit the event loop
// like closing the window: the monitor stops within its bounded wait and the
// sandbox child is stopped. The sandbox also stops by itself when this
// process dies in any way, SIGKILL included (it is started with
// --stop-with-parent and PR_SET_PDEATHSIG).

#include "app/common/cli.h"
#include "connectors/common/logging.h"
#include "connectors/common/requestworker.h"
#include "connectors/common/versions.h"
#include "connectors/config/configfile.h"
#include "connectors/deadletters/deadletterservice.h"
#include "connectors/kafka/envelopedetectionservice.h"
#include "connectors/kafka/kafkalog.h"
#include "connectors/monitor/livemonitor.h"
#include "connectors/probe/connectiontoolsservice.h"
#include "connectors/reconcile/reconcileservice.h"
#include "connectors/trace/traceservice.h"
#include "connectors/ops/historyservice.h"
#include "connectors/ops/metricrecorder.h"
#include "connectors/ops/opslease.h"
#include "connectors/ops/replayservice.h"
#include "ui/dialogs/connectionsdialog.h"
#include "ui/mainwindow.h"
#include "ui/pages/alertspage.h"
#include "ui/pages/reconcilepage.h"
#include "ui/pages/replayspage.h"
#include "models/core/statuscolours.h"
#include "models/core/version.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QProcess>
#include <QSocketNotifier>
#include <QStyleFactory>
#include <QElapsedTimer>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace idem;


int main(int argc, char *argv[])
{
    QElapsedTimer sinceStart;
    sinceStart.start();
    // --help and --version print and exit: they need no display, so they work
    // over ssh and in scripts as well.
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if ((arg == "--help" || arg == "-h" || arg == "--version" || arg == "-v" || arg == "--help-all")
            && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
            break;
        }
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("idem"));
    QApplication::setApplicationDisplayName(QStringLiteral("Idem"));
    QCommandLineParser parser;
    app::addCommonOptions(parser, QStringLiteral("Idem console for event-driven integrations."));
    parser.addOptions({
        {QStringLiteral("config"), QStringLiteral("Configuration file (default: %1).").arg(connectors::defaultConfigPath()),
         QStringLiteral("FILE")},
        {QStringLiteral("environment"), QStringLiteral("Environment of the configuration to open (default: the first)."),
         QStringLiteral("NAME")},
        {QStringLiteral("demo"), QStringLiteral("Start the built-in sandbox world and open the console on it.")},
        {QStringLiteral("interval"), QStringLiteral("Seconds between polls of brokers and stores (0.5 to 600, default 2)."),
         QStringLiteral("SECONDS"), QStringLiteral("2")},
        {QStringLiteral("screenshot"), QStringLiteral("Save a PNG of the main window to PATH, then quit."),
         QStringLiteral("PATH")},
        {QStringLiteral("after"), QStringLiteral("Seconds to wait before --screenshot (default 10)."),
         QStringLiteral("SECONDS"), QStringLiteral("10")},
        {QStringLiteral("trace"), QStringLiteral("Trace this event_id once the configuration is loaded (opens the Trace page)."),
         QStringLiteral("EVENT_ID")},
        {QStringLiteral("reconcile"),
         QStringLiteral("Reconcile this flow over the last hour once the configuration is loaded (opens the Reconcile page)."),
         QStringLiteral("FLOW")},
        {QStringLiteral("page"), QStringLiteral("Page to open: overview, flows, connections, trace, deadletters, replays, alerts or reconcile (default: the last one)."),
         QStringLiteral("NAME")},
        {QStringLiteral("palette"), QStringLiteral("Colours: system (the desktop's, the default), light or dark."),
         QStringLiteral("NAME"), QStringLiteral("system")},
    });
    app::processCommandLine(parser, app.arguments());
    auto log = connectors::logger("app");
    const std::unique_ptr<QSocketNotifier> stopSignals = app::quitOnStopSignals(app);

    bool ok = false;
    const double interval = parser.value(QStringLiteral("interval")).toDouble(&ok);
    if (!ok || interval < 0.5 || interval > 600)
        return app::fail(QStringLiteral("--interval must be between 0.5 and 600 seconds, not \"%1\"")
                             .arg(parser.value(QStringLiteral("interval"))),
                         2);
    const double after = parser.value(QStringLiteral("after")).toDouble(&ok);
    if (!ok || after < 0 || after > 3600)
        return app::fail(QStringLiteral("--after must be between 0 and 3600 seconds, not \"%1\"")
                             .arg(parser.value(QStringLiteral("after"))),
                         2);
    const QString paletteName = parser.value(QStringLiteral("palette")).toLower();
    if (paletteName == QLatin1String("dark") || paletteName == QLatin1String("light")) {
        // Fusion draws every control from the palette, so both palettes are whole.
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(paletteName == QLatin1String("dark") ? models::darkPalette() : models::lightPalette());
    } else if (paletteName != QLatin1String("system")) {
        return app::fail(QStringLiteral("--palette must be system, light or dark, not \"%1\"").arg(paletteName), 2);
    }
    const bool demo = parser.isSet(QStringLiteral("demo"));
    if (demo && parser.isSet(QStringLiteral("config")))
        return app::fail(QStringLiteral("--demo and --config exclude each other: the demo writes its own configuration"), 2);

    const QStringList pages{QStringLiteral("overview"), QStringLiteral("flows"), QStringLiteral("connections"),
                            QStringLiteral("trace"), QStringLiteral("deadletters"), QStringLiteral("replays"),
                            QStringLiteral("alerts"), QStringLiteral("reconcile")};
    const QString page = parser.value(QStringLiteral("page")).toLower();
    if (!page.isEmpty() && !pages.contains(page))
        return app::fail(QStringLiteral("--page must be one of %1, not \"%2\"").arg(pages.join(QStringLiteral(", ")), page), 2);

    ui::MainWindow window;
    window.setPollInterval(interval);
    {
        auto versions = connectors::libraryVersions();
        versions << qMakePair(QStringLiteral("Build"), QStringLiteral("%1, %2, %3")
                                                           .arg(models::versionString(), QStringLiteral(IDEM_BUILD_TYPE),
                                                                QStringLiteral(IDEM_COMPILER)));
        window.setAboutVersions(versions);
        if (const QString logFile = connectors::logFilePath(); !logFile.isEmpty())
            window.setLogFolder(QFileInfo(logFile).absolutePath());
    }
    // The Reconcile page, after the built-in ones; its source comes with each configuration.
    auto *reconcilePage = new ui::ReconcilePage;
    const int reconcileIndex = window.addPage(QObject::tr("Reconcile"), reconcilePage, QStringLiteral("reconcile"));
    QObject::connect(reconcilePage, &ui::ReconcilePage::traceRequested, &window, &ui::MainWindow::openTrace);
    if (page == QLatin1String("reconcile"))
        window.showPage(reconcileIndex);
    else if (!page.isEmpty() && page != QLatin1String("replays") && page != QLatin1String("alerts"))
        window.showPage(int(pages.indexOf(page)));
    std::unique_ptr<connectors::LiveMonitor> monitor;
    std::unique_ptr<connectors::trace::TraceService> tracer;
    std::unique_ptr<connectors::reconcile::ReconcileService> reconciler;
    bool traced = false;
    bool reconciled = false;
    // The Replays page, once there is an ops database (made with the first configuration opened).
    connectors::ops::ReplayService *replays = nullptr;
    std::unique_ptr<connectors::deadletters::DeadLetterService> deadLetters;
    // The shared history and alerts (with an ops database): this console
    // records while it holds the recorder lease, and reads what is recorded.
    std::unique_ptr<connectors::ops::MetricRecorder> recorder;
    std::unique_ptr<connectors::ops::HistoryService> history;
    ui::AlertsPage *alertsPage = nullptr;
    QString watchedPath; // the configuration file being watched, once open() succeeded
    QString environmentName = parser.value(QStringLiteral("environment")); // the one chosen
    bool demoWorld = demo; // the configuration watched is the sandbox's
    int exitCode = 0;

    // Loads a configuration and starts watching it, in place of the one
    // watched. Errors end the program with the loader's precise message
    // (file:line:column) when `fatal`; otherwise they are shown in a message
    // box and the previous configuration stays watched.
    auto open = [&](const QString &path, bool fatal = true) -> bool {
        auto refuse = [&](const QString &message) {
            if (!fatal) {
                QMessageBox::warning(&window, QObject::tr("Open configuration"), message);
                return false;
            }
            app::fail(message);
            exitCode = 1;
            QTimer::singleShot(0, &app, [&] { app.exit(1); });
            return false;
        };
        auto config = connectors::loadConfig(path);
        if (!config)
            return refuse(config.error());
        const auto selected = connectors::selectEnvironment(*config, environmentName, path);
        if (!selected)
            return refuse(selected.error());
        const models::EnvironmentConfig *environment = &selected.value();
        if (monitor) {
            monitor.release()->retire(); // deletes itself at once; its blocked polls end on their own
            window.resetConnections();
        }
        window.showConsole();
        QStringList names;
        for (const auto &env : config->environments)
            names << env.name;
        window.setEnvironments(names, environment->name);
        window.setBand(environment->bandLabel(), environment->band ? environment->band->colour : QString());
        window.setSubject(environment->name, QDir::toNativeSeparators(path));
        // Until the first figures or health arrive (a broker that does not
        // answer takes its timeout): progress, and a Cancel that stops watching.
        const bool answers = !environment->clusters.isEmpty() || !environment->stores.isEmpty() || environment->ops;
        if (answers) {
            window.showProgress(QObject::tr("Connecting to environment %1…").arg(environment->name), [&] {
                if (monitor)
                    monitor.release()->retire();
                window.showMessage(QObject::tr("Stopped connecting. File → Open configuration or Edit connections "
                                               "(Ctrl+E) to try again."));
            });
        } else {
            window.hideProgress();
        }
        monitor = std::make_unique<connectors::LiveMonitor>(
            *environment, std::chrono::milliseconds(qRound64(interval * 1000)));
        QObject::connect(monitor.get(), &connectors::LiveMonitor::lagSnapshot, &window, &ui::MainWindow::applySnapshot);
        // When the first figures are on screen: applied, then painted on the
        // next turn of the event loop (the startup benchmark reads this line).
        auto shown = std::make_shared<QMetaObject::Connection>();
        *shown = QObject::connect(monitor.get(), &connectors::LiveMonitor::lagSnapshot, &window,
                                  [&, shown, flows = environment->flows.size()] {
                                      QObject::disconnect(*shown);
                                      window.hideProgress();
                                      QTimer::singleShot(0, &window, [&, flows] {
                                          log->info("first figures shown {} ms after start ({} flows)",
                                                    sinceStart.elapsed(), flows);
                                      });
                                  });
        QObject::connect(monitor.get(), &connectors::LiveMonitor::health, &window, &ui::MainWindow::applyHealth);
        auto answered = std::make_shared<QMetaObject::Connection>();
        *answered = QObject::connect(monitor.get(), &connectors::LiveMonitor::health, &window, [&, answered] {
            QObject::disconnect(*answered);
            window.hideProgress(); // a first answer, even a failure, ends the connecting
        });
        QObject::connect(monitor.get(), &connectors::LiveMonitor::storeFigures, &window,
                         &ui::MainWindow::applyStoreFigures);
        QObject::connect(monitor.get(), &connectors::LiveMonitor::deadLetters, &window,
                         &ui::MainWindow::applyDeadLetters);
        QMap<QString, QStringList> flowStores;
        for (const auto &flow : environment->flows) {
            for (const auto &group : flow.groups) {
                if (!group.store.isEmpty())
                    flowStores[flow.name] << group.store;
            }
        }
        window.setFlowStores(flowStores);
        QMap<QString, QMap<QString, double>> thresholds;
        for (const auto &flow : environment->flows)
            thresholds.insert(flow.name, flow.thresholds);
        window.setFlowThresholds(thresholds);
        // The Dead letters page reads on its own workers; a new configuration replaces them.
        window.setDeadLetterSource(nullptr);
        deadLetters = std::make_unique<connectors::deadletters::DeadLetterService>(*environment);
        window.setDeadLetterSource(deadLetters.get());
        if (page == QLatin1String("deadletters") && !deadLetters->flows().isEmpty())
            window.openDeadLetters(deadLetters->flows().first());
        monitor->start();
        window.setTraceSource(nullptr);
        tracer = std::make_unique<connectors::trace::TraceService>(*environment, connectors::trace::TraceRunnerOptions{},
                                                                   nullptr, /*feedIndex=*/true);
        window.setTraceSource(tracer.get());
        reconcilePage->setSource(nullptr);
        reconciler = std::make_unique<connectors::reconcile::ReconcileService>(*environment);
        reconcilePage->setSource(reconciler.get());
        if (parser.isSet(QStringLiteral("reconcile")) && !reconciled) {
            reconciled = true;
            window.showPage(reconcileIndex);
            reconcilePage->selectFlow(parser.value(QStringLiteral("reconcile")));
            reconcilePage->run();
        }
        if (parser.isSet(QStringLiteral("trace")) && !traced) {
            traced = true; // once, not again after the connections are edited
            window.openTrace(parser.value(QStringLiteral("trace")));
        }
        if (environment->ops && !replays) {
            // In the sandbox, its demo people (the logins of its pgpass file) to sign in as.
            QStringList people;
            if (demoWorld) {
                QFile pgpass(QFileInfo(path).dir().filePath(QStringLiteral("pgpass")));
                if (pgpass.open(QIODevice::ReadOnly)) {
                    for (const QByteArray &line : pgpass.readAll().split('\n')) {
                        const QString user = QString::fromUtf8(line).section(QLatin1Char(':'), 3, 3);
                        if (!user.isEmpty() && user != QLatin1String("idem_reader"))
                            people << user;
                    }
                }
            }
            replays = new connectors::ops::ReplayService(*environment, people, &window);
            window.setReplaySource(replays);
            auto *replaysPage = new ui::ReplaysPage(replays);
            QObject::connect(replaysPage, &ui::ReplaysPage::signedInChanged, &window, &ui::MainWindow::setSignedIn);
            const int index = window.addPage(QObject::tr("Replays"), replaysPage, QStringLiteral("replays"));
            if (page == QLatin1String("replays"))
                window.showPage(index);
        }
        // History and alerts: the recorder takes each poll's values on its own worker.
        if (!alertsPage) {
            alertsPage = new ui::AlertsPage;
            QObject::connect(alertsPage, &ui::AlertsPage::alertsUpdated, &window, &ui::MainWindow::applyAlerts);
            QObject::connect(alertsPage, &ui::AlertsPage::chartsRequested, &window, &ui::MainWindow::openChartsAt);
            const int index = window.addPage(QObject::tr("Alerts"), alertsPage, QStringLiteral("alerts"));
            if (page == QLatin1String("alerts"))
                window.showPage(index);
        }
        alertsPage->setSource(nullptr);
        window.setHistorySource(nullptr);
        recorder.reset();
        history.reset();
        if (environment->ops) {
            recorder = std::make_unique<connectors::ops::MetricRecorder>(
                *environment, connectors::ops::RecorderOptions{connectors::ops::defaultLeaseHolderName(QStringLiteral("idem console"))});
            QObject::connect(monitor.get(), &connectors::LiveMonitor::lagSnapshot, recorder.get(),
                             &connectors::ops::MetricRecorder::recordSnapshot);
            QObject::connect(monitor.get(), &connectors::LiveMonitor::storeFigures, recorder.get(),
                             &connectors::ops::MetricRecorder::recordStore);
            QObject::connect(recorder.get(), &connectors::ops::MetricRecorder::leaseChanged, &window,
                             [&](bool, const QString &text) { window.setRecorderState(text); });
            history = std::make_unique<connectors::ops::HistoryService>(environment->ops->connection);
            window.setHistorySource(history.get());
            alertsPage->setSource(history.get());
        }
        watchedPath = path;
        window.showMessage(QObject::tr("Watching %n flow(s)", nullptr, int(environment->flows.size())));
        log->info("watching environment {} of {}", environment->name.toStdString(), path.toStdString());
        return true;
    };

    // Editing connections ("Edit connections…" on the Connections page). The
    // dialog edits the watched file, read afresh so a change made by hand in
    // the meantime is not lost, and saves it itself; after a save the
    // monitor restarts on the saved file. The old monitor retires without
    // making the window wait for a poll in progress.
    connectors::YamlConfigStorage configStorage;
    connectors::kafka::EnvelopeDetectionService envelopeDetector;
    connectors::probe::ConnectionToolsService connectionTools; // Test connection, mapping assistant, keychain
    QObject::connect(&window, &ui::MainWindow::editConnectionsRequested, &window, [&] {
        if (watchedPath.isEmpty()) {
            if (window.welcomeShown())
                emit window.connectRequested();
            else
                window.showMessage(QObject::tr("The configuration is not loaded yet."));
            return;
        }
        auto config = connectors::loadConfig(watchedPath, connectors::VariableCheck::Skipped);
        if (!config) {
            QMessageBox::warning(&window, QObject::tr("Edit connections"), config.error());
            return;
        }
        const auto selected = connectors::selectEnvironment(*config, environmentName,
                                                            watchedPath);
        ui::ConnectionsDialog dialog(*config, selected ? selected->name : QString(), &configStorage,
                                     &envelopeDetector, &window);
        dialog.setConnectionTools(&connectionTools);
        if (dialog.exec() != QDialog::Accepted)
            return;
        log->info("connections of environment {} saved to {}", dialog.environmentName().toStdString(),
                  watchedPath.toStdString());
        // A saved file may not be watchable yet (a ${NAME} that is not set in
        // this process): the previous configuration stays watched and the
        // window says why.
        if (const auto check = connectors::loadConfig(watchedPath); !check) {
            QMessageBox::warning(&window, QObject::tr("Connections saved"),
                                 QObject::tr("The connections were saved, but Idem cannot watch them yet and "
                                             "keeps watching the previous ones:\n%1")
                                     .arg(check.error()));
            return;
        }
        if (monitor)
            monitor.release()->retire(); // deletes itself at once; its blocked polls end on their own
        window.resetConnections();
        open(watchedPath, false);
    });

    // The sandbox world: with --demo at once, or from the welcome page. From
    // the welcome page a failure is shown in the window and the welcome page
    // comes back; with --demo it ends the program.
    QProcess sandbox;
    bool sandboxReady = false;
    bool sandboxCancelled = false;
    bool demoFromWelcome = false;
    QObject::connect(&sandbox, &QProcess::readyReadStandardOutput, &window, [&] {
        while (sandbox.canReadLine()) {
            const QString line = QString::fromUtf8(sandbox.readLine()).trimmed();
            if (line.startsWith(QLatin1String("READY ")) && !sandboxReady) {
                sandboxReady = true;
                demoWorld = true;
                open(line.mid(6), !demoFromWelcome);
            } else if (!line.isEmpty()) {
                log->info("sandbox: {}", line.toStdString());
            }
        }
    });
    QObject::connect(&sandbox, &QProcess::finished, &window, [&](int code, QProcess::ExitStatus) {
        if (sandboxReady) {
            window.showMessage(QObject::tr("The sandbox world has stopped."));
            return;
        }
        window.hideProgress();
        if (demoFromWelcome || sandboxCancelled) {
            if (!sandboxCancelled)
                QMessageBox::warning(&window, QObject::tr("Demo world"),
                                     QObject::tr("The sandbox stopped before it was ready (exit status %1). It needs "
                                                 "PostgreSQL's server programs (Debian: postgresql); its messages "
                                                 "are in the log (Help → Open log folder).")
                                         .arg(code));
            window.showWelcome(connectors::defaultConfigPath());
            return;
        }
        app::fail(QStringLiteral("the sandbox stopped before it was ready (exit status %1); its messages are above").arg(code));
        exitCode = 1;
        app.exit(1);
    });
    auto startDemo = [&](bool fromWelcome) {
        const QString program = QCoreApplication::applicationDirPath() + QStringLiteral("/idem-sandbox");
        const QString missing = QStringLiteral("--demo needs idem-sandbox next to idem, but %1 is missing").arg(program);
        if (!QFileInfo(program).isExecutable()) {
            if (fromWelcome)
                QMessageBox::warning(&window, QObject::tr("Demo world"), missing);
            return fromWelcome;
        }
        if (sandbox.state() != QProcess::NotRunning)
            return true;
        demoFromWelcome = fromWelcome;
        sandboxCancelled = false;
        sandbox.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        window.showMessage(QObject::tr("Starting the sandbox world…"));
        window.showProgress(QObject::tr("Starting the sandbox world…"), [&] {
            sandboxCancelled = true;
            sandbox.terminate();
        });
        // The sandbox stops when this process dies, however it dies: the
        // kernel sends it SIGTERM (PR_SET_PDEATHSIG, set between fork and
        // exec; a parent already gone is caught by comparing the parent pid),
        // and with --stop-with-parent it also watches its parent and its
        // standard input, whose pipe closes with this process.
        const pid_t parent = ::getpid();
        sandbox.setChildProcessModifier([parent] {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != parent)
                ::_exit(1);
        });
        sandbox.start(program, {QStringLiteral("--log-level"), QStringLiteral("warn"),
                                QStringLiteral("--stop-with-parent")});
        return true;
    };
    QObject::connect(&window, &ui::MainWindow::demoRequested, &window, [&] { startDemo(true); });

    // "Connect to my systems": the connections dialog on an empty
    // configuration, saved where Idem looks for it, then watched.
    QObject::connect(&window, &ui::MainWindow::connectRequested, &window, [&] {
        const QString path = connectors::defaultConfigPath();
        if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
            QMessageBox::warning(&window, QObject::tr("Connect to my systems"),
                                 QObject::tr("Cannot create the folder %1 for the configuration.")
                                     .arg(QFileInfo(path).absolutePath()));
            return;
        }
        models::Config config;
        models::EnvironmentConfig environment;
        environment.name = QStringLiteral("main");
        config.environments = {environment};
        config.sourcePath = path;
        ui::ConnectionsDialog dialog(config, environment.name, &configStorage, &envelopeDetector, &window);
        dialog.setConnectionTools(&connectionTools);
        if (dialog.exec() != QDialog::Accepted)
            return;
        log->info("first configuration saved to {}", path.toStdString());
        (void)open(path, false);
    });

    // File → Open configuration…, and the toolbar's environment selector.
    QObject::connect(&window, &ui::MainWindow::openConfigurationRequested, &window,
                     [&](const QString &path) {
                         const QString previous = environmentName;
                         environmentName.clear(); // the new file's first environment
                         if (open(path, false))
                             demoWorld = false;
                         else
                             environmentName = previous;
                     });
    QObject::connect(&window, &ui::MainWindow::environmentSelected, &window, [&](const QString &name) {
        const QString previous = environmentName;
        environmentName = name;
        if (!open(watchedPath, false))
            environmentName = previous;
    });

    if (demo) {
        if (!startDemo(false))
            return app::fail(QStringLiteral("--demo needs idem-sandbox next to idem, but %1 is missing")
                                 .arg(QCoreApplication::applicationDirPath() + QStringLiteral("/idem-sandbox")));
    } else {
        const QString path = parser.isSet(QStringLiteral("config")) ? parser.value(QStringLiteral("config"))
                                                                     : connectors::defaultConfigPath();
        if (!QFileInfo::exists(path)) {
            // --config names a file that must exist; the default is simply not made yet: a first run.
            if (parser.isSet(QStringLiteral("config")))
                return app::fail(QStringLiteral("no configuration at %1; name one with --config FILE, or try the "
                                                "sandbox with --demo (resources/idem.example.yaml shows the format)")
                                     .arg(path),
                                 2);
            log->info("no configuration at {}: showing the welcome page", path.toStdString());
            window.showWelcome(path);
        } else {
            open(path);
        }
    }

    window.show();
    if (parser.isSet(QStringLiteral("screenshot"))) {
        const QString target = parser.value(QStringLiteral("screenshot"));
        QTimer::singleShot(qRound64(after * 1000), &app, [&, target] {
            QString error;
            if (!window.saveScreenshot(target, &error)) {
                app::fail(error);
                exitCode = 1;
            } else {
                std::printf("%s\n", qPrintable(QFileInfo(target).absoluteFilePath()));
            }
            app.exit(exitCode);
        });
    }

    // librdkafka's repeated lines are summarised once a minute even while it is quiet.
    QTimer logSummaries;
    QObject::connect(&logSummaries, &QTimer::timeout, [] { connectors::kafka::flushClientLogSummaries(); });
    logSummaries.start(std::chrono::minutes(1));

    const int rc = app.exec();
    QObject::disconnect(&sandbox, nullptr, &window, nullptr); // its end is expected now
    monitor.reset();
    recorder.reset(); // gives the recorder lease up for the next console
    if (alertsPage)
        alertsPage->setSource(nullptr);
    window.setHistorySource(nullptr);
    history.reset();
    window.setDeadLetterSource(nullptr);
    deadLetters.reset();
    connectors::kafka::flushAllClientLogSummaries();
    if (sandbox.state() != QProcess::NotRunning) {
        sandbox.terminate();
        if (!sandbox.waitForFinished(30000))
            sandbox.kill();
        const QByteArray summary = sandbox.readAllStandardOutput().trimmed();
        if (!summary.isEmpty())
            log->info("sandbox: {}", summary.toStdString());
    }
    const int code = exitCode ? exitCode : rc;
    if (const int blocked = connectors::RequestWorker::detachedCount(); blocked > 0) {
        // A worker still blocked in a call that did not stop must not wake up
        // among static destructors: end here, with the logs written.
        log->info("{} worker(s) still blocked in a call that has not stopped; exiting without them", blocked);
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger> &l) { l->flush(); });
        std::fflush(nullptr);
        std::_Exit(code);
    }
    return code;
}
