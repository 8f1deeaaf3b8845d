#include "connectors/kafka/kafkalog.h"

#include "connectors/common/logging.h"
#include "connectors/common/repeatsummary.h"

#include <spdlog/spdlog.h>

namespace idem::connectors::kafka {

namespace {

spdlog::level::level_enum fromSyslog(int level)
{
    if (level <= 2)
        return spdlog::level::critical;
    if (level == 3)
        return spdlog::level::err;
    if (level == 4)
        return spdlog::level::warn;
    if (level <= 6)
        return spdlog::level::info;
    return spdlog::level::debug;
}

RepeatSummary &summary()
{
    static RepeatSummary instance([](int level, const std::string &line) {
        logger("kafka")->log(fromSyslog(level), "{}", line);
    });
    return instance;
}

void logCallback(const rd_kafka_t *rk, int level, const char *facility, const char *message)
{
    // "[rdkafka#consumer-3] FAIL: 127.0.0.1:1/bootstrap: Connect to … failed"
    std::string line = "[";
    line += rk ? rd_kafka_name(rk) : "rdkafka";
    line += "] ";
    line += facility ? facility : "";
    line += ": ";
    line += message ? message : "";
    summary().add(level, line);
}

} // namespace

void routeClientLogs(rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_log_cb(conf, logCallback);
}

void flushClientLogSummaries()
{
    summary().flush();
}

void flushAllClientLogSummaries()
{
    summary().flushAll();
}

} // namespace idem::connectors::kafka
