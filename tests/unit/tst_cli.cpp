// Proves each executable answers --version with the project version, --help
// with its options, and rejects unknown options with status 2; that idem's
// first run without a configuration opens the welcome page (no error), while
// a --config that names no file is one; and that --palette takes system,
// light or dark only.

#include <QFile>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

class TestCli : public QObject
{
    Q_OBJECT

private:
    static QString binary(const QString &name) { return QStringLiteral(IDEM_BIN_DIR "/") + name; }

    static QProcessEnvironment offscreen()
    {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        return env;
    }

    struct Run
    {
        int exitCode;
        QString out;
        QString err;
    };

    static Run run(const QString &name, const QStringList &args)
    {
        QProcess p;
        p.setProcessEnvironment(offscreen());
        p.start(binary(name), args);
        if (!p.waitForFinished(30000))
            return {-1, {}, QStringLiteral("timed out")};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    // Writes `text` to `dir`/`name` and returns its path (empty on failure).
    static QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &text)
    {
        const QString path = dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            return {};
        return path;
    }

    // One environment whose cluster nobody listens on.
    static constexpr const char *kDownCluster
        = "version: 1\nenvironments:\n  test:\n    kafka:\n      main:\n        bootstrap.servers: 127.0.0.1:1\n"
          "    flows:\n      orders:\n        cluster: main\n        topics: [orders.events]\n"
          "        groups:\n          billing: {}\n";

private slots:
    void version_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("idem") << QStringLiteral("idem");
        QTest::newRow("idemctl") << QStringLiteral("idemctl");
        QTest::newRow("idem-sandbox") << QStringLiteral("idem-sandbox");
    }
    void version()
    {
        QFETCH(QString, name);
        const Run r = run(name, {QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(), name + QStringLiteral(" " IDEM_EXPECTED_VERSION));
    }

    void help_data() { version_data(); }
    void help()
    {
        QFETCH(QString, name);
        const Run r = run(name, {QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("--version")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("--log-level")), qPrintable(r.out));
    }

    void unknownOption_data() { version_data(); }
    void unknownOption()
    {
        QFETCH(QString, name);
        const Run r = run(name, {QStringLiteral("--no-such-option")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("no-such-option")), qPrintable(r.err));
    }

    void firstRunWithoutConfigurationIsNoError()
    {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        auto env = offscreen();
        env.insert(QStringLiteral("HOME"), home.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_STATE_HOME"), home.filePath(QStringLiteral("state")));
        env.insert(QStringLiteral("IDEM_LOG"), QStringLiteral("info"));
        const QString shot = home.filePath(QStringLiteral("welcome.png"));
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(binary(QStringLiteral("idem")), {QStringLiteral("--screenshot"), shot, QStringLiteral("--after"),
                                                 QStringLiteral("0.2"), QStringLiteral("--palette"), QStringLiteral("dark")});
        QVERIFY(p.waitForFinished(30000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(!err.contains(QStringLiteral("idem: no configuration")), qPrintable(err)); // not an error
        QVERIFY(QImage(shot).width() > 0);
        // The log says why the welcome page is shown.
        QFile log(home.filePath(QStringLiteral("state/idem/log/idem.log")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(log.readAll().contains("showing the welcome page"));

        // A --config naming a missing file is still an error, with its path.
        p.start(binary(QStringLiteral("idem")), {QStringLiteral("--config"), home.filePath(QStringLiteral("none.yaml"))});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("no configuration at ")
                                                                     + home.filePath(QStringLiteral("none.yaml"))));
    }

    void badPalette()
    {
        const Run r = run(QStringLiteral("idem"), {QStringLiteral("--palette"), QStringLiteral("purple")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--palette must be system, light or dark, not \"purple\"")), qPrintable(r.err));
    }

    void badLogLevel()
    {
        const Run r = run(QStringLiteral("idemctl"), {QStringLiteral("--log-level"), QStringLiteral("loud")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("unknown log level \"loud\"")), qPrintable(r.err));
    }

    // Each command's help names its synopsis, every option it takes, its
    // JSON fields, exit statuses and an example; `idemctl help COMMAND` says
    // the same.
    void commandHelp_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QStringList>("options");
        QTest::newRow("lag") << QStringList{QStringLiteral("lag")}
                             << QStringList{QStringLiteral("--flow NAME"), QStringLiteral("--polls N"),
                                            QStringLiteral("--interval SECONDS"), QStringLiteral("--json")};
        QTest::newRow("health") << QStringList{QStringLiteral("health")}
                                << QStringList{QStringLiteral("--polls N"), QStringLiteral("--interval SECONDS"),
                                               QStringLiteral("--json")};
        QTest::newRow("deadletters") << QStringList{QStringLiteral("deadletters")}
                                     << QStringList{QStringLiteral("--flow NAME"), QStringLiteral("--newest N"),
                                                    QStringLiteral("--json")};
        QTest::newRow("envelope detect")
            << QStringList{QStringLiteral("envelope"), QStringLiteral("detect")}
            << QStringList{QStringLiteral("--cluster NAME"), QStringLiteral("--bootstrap SERVERS"),
                           QStringLiteral("--samples N"), QStringLiteral("--json")};
        QTest::newRow("dlq list") << QStringList{QStringLiteral("dlq"), QStringLiteral("list")}
                                  << QStringList{QStringLiteral("--flow NAME"), QStringLiteral("--failure TEXT"),
                                                 QStringLiteral("--from TIME"), QStringLiteral("--to TIME"),
                                                 QStringLiteral("--offset-from P:O"), QStringLiteral("--limit N"),
                                                 QStringLiteral("--json")};
        QTest::newRow("dlq show") << QStringList{QStringLiteral("dlq"), QStringLiteral("show")}
                                  << QStringList{QStringLiteral("--flow NAME"), QStringLiteral("--json")};
        QTest::newRow("alerts") << QStringList{QStringLiteral("alerts")}
                                << QStringList{QStringLiteral("--open"), QStringLiteral("--limit N"), QStringLiteral("--json")};
        QTest::newRow("reconcile") << QStringList{QStringLiteral("reconcile")}
                                   << QStringList{QStringLiteral("--flow NAME"), QStringLiteral("--from TIME"),
                                                  QStringLiteral("--to TIME"), QStringLiteral("--limit N"),
                                                  QStringLiteral("--json")};
        QTest::newRow("completion") << QStringList{QStringLiteral("completion")} << QStringList{};
    }

    void commandHelp()
    {
        QFETCH(QStringList, command);
        QFETCH(QStringList, options);
        const Run r = run(QStringLiteral("idemctl"), command + QStringList{QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("Usage: idemctl [--config FILE] [--environment NAME] ") + command.join(u' ')),
                 qPrintable(r.out));
        for (const QString &option : options) {
            QVERIFY2(r.out.contains(QStringLiteral("\n  ") + option), qPrintable(option + QStringLiteral(" missing in\n") + r.out));
            QVERIFY2(r.out.section(u'\n', 0, 0).contains(QStringLiteral("[") + option + QStringLiteral("]")), qPrintable(r.out));
        }
        for (const QString &common : {QStringLiteral("--config FILE"), QStringLiteral("--environment NAME"),
                                      QStringLiteral("--log-level LEVEL")})
            QVERIFY2(r.out.contains(common), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("\nExit status:\n  0  ")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("\nExample:\n  idemctl ")), qPrintable(r.out));
        if (!options.isEmpty()) // a command with --json says what it holds
            QVERIFY2(r.out.contains(QStringLiteral("\nJSON (--json):\n")), qPrintable(r.out));
        // Only its own options: lag's help does not offer --samples.
        if (!options.contains(QStringLiteral("--samples N")))
            QVERIFY(!r.out.contains(QStringLiteral("--samples")));

        const Run viaHelp = run(QStringLiteral("idemctl"), QStringList{QStringLiteral("help")} + command);
        QCOMPARE(viaHelp.exitCode, 0);
        QCOMPARE(viaHelp.out, r.out);
    }

    void generalHelpListsCommandsAndExitCodes()
    {
        const Run r = run(QStringLiteral("idemctl"), {QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const QString &line : {QStringLiteral("\n  lag  "), QStringLiteral("\n  health  "), QStringLiteral("\n  deadletters  "),
                                    QStringLiteral("\n  envelope detect TOPIC  "), QStringLiteral("\n  completion "),
                                    QStringLiteral("\n  3  not found\n"), QStringLiteral("\n  4  differences or open alerts found\n")})
            QVERIFY2(r.out.contains(line), qPrintable(line + QStringLiteral(" missing in\n") + r.out));
    }

    void unknownOptionNamesTheCommand()
    {
        const Run r = run(QStringLiteral("idemctl"), {QStringLiteral("lag"), QStringLiteral("--samples"), QStringLiteral("3")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("idemctl: lag: Unknown option 'samples'.")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("Try 'idemctl lag --help'.")), qPrintable(r.err));
        const Run unknown = run(QStringLiteral("idemctl"), {QStringLiteral("frobnicate")});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains(QStringLiteral("unknown command \"frobnicate\"; the commands are: lag, health")), qPrintable(unknown.err));
    }

    // The completion script parses, completes command names and options, and
    // asks idemctl for the flow names of the configuration on the line.
    void bashCompletion()
    {
        const Run script = run(QStringLiteral("idemctl"), {QStringLiteral("completion"), QStringLiteral("bash")});
        QCOMPARE(script.exitCode, 0);
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("idemctl.bash"), script.out.toUtf8());
        const QString config = writeFile(dir, QStringLiteral("idem.yaml"),
                                          QByteArray(kDownCluster) + "      payments:\n        cluster: main\n        topics: [payments]\n");
        QVERIFY(!path.isEmpty() && !config.isEmpty());

        QProcess syntax;
        syntax.start(QStringLiteral("bash"), {QStringLiteral("-n"), path});
        QVERIFY(syntax.waitForFinished(10000));
        QCOMPARE(syntax.exitCode(), 0);

        auto complete = [&](const QString &words, int cword) {
            QProcess bash;
            auto env = offscreen();
            env.insert(QStringLiteral("PATH"), QStringLiteral(IDEM_BIN_DIR ":") + env.value(QStringLiteral("PATH")));
            bash.setProcessEnvironment(env);
            bash.start(QStringLiteral("bash"), {QStringLiteral("-c"),
                                                QStringLiteral("source '%1'; COMP_WORDS=(%2); COMP_CWORD=%3; _idemctl; "
                                                               "printf '%s\\n' \"${COMPREPLY[@]}\"")
                                                    .arg(path, words)
                                                    .arg(cword)});
            bash.waitForFinished(10000);
            return QString::fromUtf8(bash.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
        };
        QCOMPARE(complete(QStringLiteral("idemctl la"), 1), QStringList{QStringLiteral("lag")});
        QCOMPARE(complete(QStringLiteral("idemctl envelope ''"), 2), QStringList{QStringLiteral("detect")});
        QCOMPARE(complete(QStringLiteral("idemctl deadletters --ne"), 2), QStringList{QStringLiteral("--newest")});
        QCOMPARE(complete(QStringLiteral("idemctl --config '%1' lag --flow ''").arg(config), 5),
                 (QStringList{QStringLiteral("orders"), QStringLiteral("payments")}));
    }

    // Against a cluster that is down, standard error holds idemctl's own
    // lines only: librdkafka's go through Idem's logger (no "%3|…|FAIL|"
    // lines), and its repeats are summarised in the log file.
    void downClusterStderrIsIdemsOwn()
    {
        QTemporaryDir dir;
        const QString config = writeFile(dir, QStringLiteral("idem.yaml"), kDownCluster);
        QVERIFY(!config.isEmpty());
        QProcess p;
        auto env = offscreen();
        env.insert(QStringLiteral("XDG_STATE_HOME"), dir.filePath(QStringLiteral("state")));
        env.remove(QStringLiteral("IDEM_LOG"));
        p.setProcessEnvironment(env);
        p.start(binary(QStringLiteral("idemctl")), {QStringLiteral("--config"), config, QStringLiteral("health"),
                                                    QStringLiteral("--interval"), QStringLiteral("3")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        const QStringList lines = QString::fromUtf8(p.readAllStandardError()).split(u'\n', Qt::SkipEmptyParts);
        QVERIFY(!lines.isEmpty());
        static const QRegularExpression librdkafka(QStringLiteral("^%\\d\\|"));
        static const QRegularExpression ours(QStringLiteral("^(idemctl: |\\d{4}-\\d\\d-\\d\\dT[^ ]+ \\w+ +\\[\\w+\\] )"));
        for (const QString &line : lines) {
            QVERIFY2(!librdkafka.match(line).hasMatch(), qPrintable(line));
            QVERIFY2(ours.match(line).hasMatch(), qPrintable(line));
        }
        QVERIFY(lines.contains(QStringLiteral("idemctl: main is down: cannot read the cluster's metadata: Local: Broker transport failure")));
        QFile log(dir.filePath(QStringLiteral("state/idem/log/idemctl.log")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QString logged = QString::fromUtf8(log.readAll());
        static const QRegularExpression summary(QStringLiteral("\\[kafka\\] .*Connection refused.* \\(and \\d+ more times in the last \\d+ s\\)"));
        QVERIFY2(summary.match(logged).hasMatch(), qPrintable(logged));
    }

    // An error quoting text from outside (here a file name) cannot send the
    // terminal escape sequences or reorder the line.
    void errorsEscapeControlCharacters()
    {
        const QString path = QStringLiteral("/nonexistent/idem\x1b]0;owned\x07") + QChar(0x202e) + QStringLiteral("lmay.");
        const Run r = run(QStringLiteral("idemctl"), {QStringLiteral("--config"), path, QStringLiteral("lag")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("idem\\x1b]0;owned\\x07\\u202elmay.")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QChar(0x1b)));
        QVERIFY(!r.err.contains(QChar(0x202e)));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
