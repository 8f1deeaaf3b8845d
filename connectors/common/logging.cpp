#include "connectors/common/logging.h"

#include "connectors/common/secrets.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <QDir>
#include <QFile>
#include <QtGlobal>

#include <algorithm>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace idem::connectors {

namespace {

std::mutex g_mutex;
std::vector<spdlog::sink_ptr> g_sinks;
spdlog::level::level_enum g_level = spdlog::level::info;
QString g_logFile;
bool g_configured = false;
std::size_t g_fileLimit = 5 * 1024 * 1024;

// Forwards every message with known secrets replaced by "***". The message
// is scrubbed before the inner sink formats it; the rest of a line (time,
// level, logger name) holds no secret.
class ScrubbingSink final : public spdlog::sinks::sink
{
public:
    explicit ScrubbingSink(spdlog::sink_ptr inner) : m_inner(std::move(inner)) {}

    void log(const spdlog::details::log_msg &msg) override
    {
        // The logger asks the wrapper; the inner sink may have a level of its own.
        if (!m_inner->should_log(msg.level))
            return;
        const std::string original(msg.payload.data(), msg.payload.size());
        const std::string scrubbed = scrubSecrets(original);
        if (scrubbed == original) {
            m_inner->log(msg);
            return;
        }
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(scrubbed.data(), scrubbed.size());
        m_inner->log(copy);
    }
    void flush() override { m_inner->flush(); }
    void set_pattern(const std::string &pattern) override { m_inner->set_pattern(pattern); }
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override
    {
        m_inner->set_formatter(std::move(formatter));
    }

private:
    spdlog::sink_ptr m_inner;
};

spdlog::sink_ptr scrubbing(spdlog::sink_ptr inner)
{
    return std::make_shared<ScrubbingSink>(std::move(inner));
}

// The log file and its rotated copies: created 0600, and made 0600 when they
// already exist with a wider mode (files written by older versions).
void restrictToOwner(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        (void)::fchmod(fd, 0600);
        ::close(fd);
    }
}

spdlog::level::level_enum parseLevel(const QString &text, bool *ok)
{
    const auto name = text.trimmed().toLower().toStdString();
    // spdlog maps unknown names to "off"; treat that as an error unless asked.
    const auto level = spdlog::level::from_str(name);
    *ok = level != spdlog::level::off || name == "off";
    return level;
}

void qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    std::string module = "qt";
    if (context.category) {
        const QByteArray category(context.category);
        if (category.startsWith("idem."))
            module = category.mid(5).toStdString();
    }
    auto log = logger(module);
    const auto text = message.toStdString();
    switch (type) {
    case QtDebugMsg:
        log->debug(text);
        break;
    case QtInfoMsg:
        log->info(text);
        break;
    case QtWarningMsg:
        log->warn(text);
        break;
    case QtCriticalMsg:
        log->error(text);
        break;
    case QtFatalMsg:
        log->critical(text);
        log->flush();
        break;
    }
}

} // namespace

void setLogFileLimit(std::size_t bytes)
{
    std::lock_guard lock(g_mutex);
    g_fileLimit = std::max<std::size_t>(bytes, 1024);
}

bool isValidLogLevel(const QString &level)
{
    bool ok = false;
    parseLevel(level, &ok);
    return ok;
}

QString setupLogging(const LoggingOptions &options)
{
    QString problem;
    QString levelText = options.level;
    if (levelText.isEmpty())
        levelText = qEnvironmentVariable("IDEM_LOG");
    auto level = spdlog::level::info;
    if (!levelText.isEmpty()) {
        bool ok = false;
        level = parseLevel(levelText, &ok);
        if (!ok) {
            problem = QStringLiteral("unknown log level \"%1\"; expected one of trace, debug, "
                                     "info, warn, error, critical, off")
                          .arg(levelText);
            level = spdlog::level::info;
        }
    }

    std::vector<spdlog::sink_ptr> sinks;
    if (options.toStderr) {
        auto stderrSink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        if (!options.stderrLevel.isEmpty()) {
            bool ok = false;
            const auto stderrLevel = parseLevel(options.stderrLevel, &ok);
            if (ok) {
                stderrSink->set_level(stderrLevel);
                level = std::min(level, stderrLevel);
            } else {
                problem = QStringLiteral("unknown log level \"%1\"; expected one of trace, debug, "
                                         "info, warn, error, critical, off")
                              .arg(options.stderrLevel);
            }
        }
        sinks.push_back(scrubbing(stderrSink));
    }
    QString logFile;
    if (options.toFile) {
        // The XDG state directory (QStandardPaths has no name for it in Qt 6.4).
        const QString dir = qEnvironmentVariable("XDG_STATE_HOME",
                                                 QDir::homePath() + QStringLiteral("/.local/state"))
            + QStringLiteral("/idem/log");
        if (QDir().mkpath(dir)) {
            // Log lines name stores, topics and users: the directory is the owner's only.
            (void)::chmod(QFile::encodeName(dir).constData(), 0700);
            logFile = dir + QLatin1Char('/') + options.appName + QStringLiteral(".log");
            spdlog::file_event_handlers handlers;
            handlers.before_open = [](const spdlog::filename_t &name) { restrictToOwner(name); };
            handlers.after_open = [](const spdlog::filename_t &, std::FILE *file) {
                (void)::fchmod(::fileno(file), 0600);
            };
            try {
                sinks.push_back(scrubbing(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                    logFile.toStdString(), g_fileLimit, 3, false, handlers)));
            } catch (const spdlog::spdlog_ex &e) {
                problem = QStringLiteral("cannot write the log file %1: %2")
                              .arg(logFile, QString::fromUtf8(e.what()));
                logFile.clear();
            }
        }
    }

    {
        std::lock_guard lock(g_mutex);
        g_sinks = sinks;
        g_level = level;
        g_logFile = logFile;
        g_configured = true;
    }
    spdlog::drop_all();
    auto app = logger("app");
    spdlog::set_default_logger(app);
    spdlog::flush_on(spdlog::level::warn);
    spdlog::flush_every(std::chrono::seconds(2));
    qInstallMessageHandler(qtMessageHandler);
    return problem;
}

std::shared_ptr<spdlog::logger> logger(const std::string &module)
{
    if (auto existing = spdlog::get(module))
        return existing;
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(module))
        return existing;
    std::vector<spdlog::sink_ptr> sinks = g_sinks;
    if (!g_configured) {
        // Used before setupLogging() (tests, libraries): stderr at IDEM_LOG's level.
        bool ok = false;
        const auto level = parseLevel(qEnvironmentVariable("IDEM_LOG", QStringLiteral("info")), &ok);
        g_level = ok ? level : spdlog::level::info;
    }
    if (sinks.empty()) {
        g_sinks.push_back(scrubbing(std::make_shared<spdlog::sinks::stderr_sink_mt>()));
        sinks = g_sinks;
    }
    auto log = std::make_shared<spdlog::logger>(module, sinks.begin(), sinks.end());
    log->set_level(g_level);
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
    spdlog::register_logger(log);
    return log;
}

void addLogSink(spdlog::sink_ptr sink)
{
    auto wrapped = scrubbing(std::move(sink));
    wrapped->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
    std::lock_guard lock(g_mutex);
    if (g_sinks.empty())
        g_sinks.push_back(scrubbing(std::make_shared<spdlog::sinks::stderr_sink_mt>()));
    g_sinks.push_back(wrapped);
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger> &log) { log->sinks().push_back(wrapped); });
}

QString logFilePath()
{
    std::lock_guard lock(g_mutex);
    return g_logFile;
}

} // namespace idem::connectors
