#pragma once

// librdkafka's own log lines go into Idem's "kafka" logger, never straight
// to standard error: every client Idem makes (createClient) installs this
// callback. Levels are mapped from syslog's (librdkafka's) to spdlog's, and a
// failure that repeats (a broker down, reconnect attempts every second) is
// logged once and then summarised once a minute ("… (and 14 more times in
// the last minute)").

#include <librdkafka/rdkafka.h>

namespace idem::connectors::kafka {

void routeClientLogs(rd_kafka_conf_t *conf);

// Logs the summaries that are due now (the console calls it on its poll; a
// summary also goes out with the next librdkafka line).
void flushClientLogSummaries();
// Logs every pending summary (at exit).
void flushAllClientLogSummaries();

} // namespace idem::connectors::kafka
