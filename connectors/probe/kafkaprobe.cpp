// Test connection for a Kafka cluster (connectionprobe.h).

#include "connectors/probe/connectionprobe.h"

#include "connectors/common/secrets.h"
#include "connectors/kafka/rdkafkahandles.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QHostInfo>
#include <QRegularExpression>
#include <QTcpSocket>

#include <mutex>

namespace idem::connectors::probe {

using kafka::KafkaDeleter;
using kafka::KafkaEvent;
using kafka::KafkaQueue;
using kafka::PartitionList;

namespace {

struct HostPort
{
    QString host;
    quint16 port = 0;
    QString text() const
    {
        return host.contains(u':') ? QStringLiteral("[%1]:%2").arg(host).arg(port) : QStringLiteral("%1:%2").arg(host).arg(port);
    }
};

// The bootstrap list as librdkafka reads it: host:port entries separated by
// commas, each optionally prefixed by a protocol (SSL://host:port).
Result<QList<HostPort>> parseBootstrap(const QString &text)
{
    const QString example = QStringLiteral("write host:port, several separated by commas "
                                           "(kafka-1:9092,kafka-2:9092)");
    if (text.trimmed().isEmpty())
        return makeError(QStringLiteral("bootstrap.servers is empty; %1").arg(example));
    QList<HostPort> out;
    for (const QString &raw : text.split(u',')) {
        QString entry = raw.trimmed();
        if (entry.isEmpty())
            return makeError(QStringLiteral("bootstrap.servers has an empty entry (two commas in a row, or one at "
                                            "an end); %1").arg(example));
        if (const qsizetype scheme = entry.indexOf(QLatin1String("://")); scheme >= 0)
            entry = entry.mid(scheme + 3);
        if (entry.contains(u' '))
            return makeError(QStringLiteral("bootstrap.servers entry \"%1\" holds a space; separate entries with "
                                            "commas").arg(raw.trimmed()));
        QString host;
        QString port;
        if (entry.startsWith(u'[')) {
            const qsizetype close = entry.indexOf(u']');
            if (close < 0 || entry.mid(close + 1, 1) != QLatin1String(":"))
                return makeError(QStringLiteral("bootstrap.servers entry \"%1\" has no port; write [address]:port")
                                     .arg(raw.trimmed()));
            host = entry.mid(1, close - 1);
            port = entry.mid(close + 2);
        } else {
            const qsizetype colon = entry.lastIndexOf(u':');
            if (colon < 0)
                return makeError(QStringLiteral("bootstrap.servers entry \"%1\" has no port; write host:port, e.g. "
                                                "%1:9092").arg(raw.trimmed()));
            host = entry.left(colon);
            port = entry.mid(colon + 1);
        }
        bool ok = false;
        const uint number = port.toUInt(&ok);
        if (!ok || number == 0 || number > 65535)
            return makeError(QStringLiteral("bootstrap.servers entry \"%1\" has no valid port (a number from 1 to "
                                            "65535)").arg(raw.trimmed()));
        if (host.isEmpty())
            return makeError(QStringLiteral("bootstrap.servers entry \"%1\" has no host").arg(raw.trimmed()));
        out.append({host, quint16(number)});
    }
    return out;
}

int timeLeftMs(const PollControl &control, int cap)
{
    return int(std::clamp<qint64>(control.remaining().count(), 1, cap));
}

struct ClientErrors
{
    std::mutex mutex;
    QStringList ssl;
    QStringList authentication;
    QStringList other;
};

} // namespace

models::ProbeReport probeCluster(const models::KafkaClusterConfig &cluster, const QStringList &topics,
                                 const QStringList &groups, const PollControl &control)
{
    models::ProbeReport report;
    report.target = QStringLiteral("cluster %1").arg(cluster.name);

    auto bootstrap = parseBootstrap(cluster.property(QStringLiteral("bootstrap.servers")));
    if (!bootstrap) {
        report.fail(step::settings, bootstrap.error());
        return report;
    }
    auto properties = kafka::clusterProperties(cluster);
    if (!properties) {
        report.fail(step::settings, scrubSecrets(properties.error()));
        return report;
    }
    const QString protocol = cluster.property(QStringLiteral("security.protocol")).toUpper();
    const bool tls = protocol.contains(QLatin1String("SSL"));
    const bool sasl = protocol.startsWith(QLatin1String("SASL"));
    QString mechanism = cluster.property(QStringLiteral("sasl.mechanism"));
    if (mechanism.isEmpty())
        mechanism = cluster.property(QStringLiteral("sasl.mechanisms"));
    if (mechanism.isEmpty())
        mechanism = QStringLiteral("GSSAPI");
    report.pass(step::settings, QStringLiteral("%1 broker address(es), security.protocol %2")
                                    .arg(bootstrap->size()).arg(protocol.isEmpty() ? QStringLiteral("PLAINTEXT") : protocol));

    // Name resolution and TCP for the first brokers of the list: one that answers is enough to start.
    QStringList resolved;
    QStringList unresolved;
    QList<std::pair<HostPort, QHostAddress>> addresses;
    for (const HostPort &hp : bootstrap->mid(0, 3)) {
        if (QHostAddress literal; literal.setAddress(hp.host)) {
            resolved << QStringLiteral("%1 is an address").arg(hp.host);
            addresses.append({hp, literal});
            continue;
        }
        const QHostInfo info = QHostInfo::fromName(hp.host);
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            unresolved << QStringLiteral("cannot resolve %1 (%2)").arg(hp.host, info.errorString());
            continue;
        }
        resolved << QStringLiteral("%1 → %2").arg(hp.host, info.addresses().constFirst().toString());
        addresses.append({hp, info.addresses().constFirst()});
    }
    if (addresses.isEmpty()) {
        report.fail(step::nameResolution, unresolved.join(QStringLiteral("; ")));
        return report;
    }
    report.pass(step::nameResolution, (resolved + unresolved).join(QStringLiteral("; ")));

    QStringList connected;
    QStringList refused;
    qint64 bestConnect = -1;
    for (const auto &[hp, address] : addresses) {
        if (control.shouldStop())
            break;
        QTcpSocket socket;
        QElapsedTimer timer;
        timer.start();
        socket.connectToHost(address, hp.port);
        if (socket.waitForConnected(timeLeftMs(control, 3000))) {
            const qint64 took = timer.nsecsElapsed();
            bestConnect = bestConnect < 0 ? took : std::min(bestConnect, took);
            connected << QStringLiteral("%1 in %2").arg(hp.text(), milliseconds(took));
            socket.abort();
        } else {
            refused << QStringLiteral("%1: %2").arg(hp.text(), socket.error() == QAbstractSocket::SocketTimeoutError
                                                                   ? QStringLiteral("no answer within 3 s")
                                                                   : socket.errorString());
        }
    }
    if (connected.isEmpty()) {
        report.fail(step::tcp, QStringLiteral("no broker accepts a connection: %1").arg(refused.join(QStringLiteral("; "))));
        return report;
    }
    report.pass(step::tcp, (connected + refused).join(QStringLiteral("; ")));

    // The client: TLS and SASL happen on its first connection, which the metadata request makes.
    auto errors = std::make_shared<ClientErrors>();
    auto client = kafka::createClient(RD_KAFKA_PRODUCER, *properties, [&errors](rd_kafka_conf_t *conf) {
        rd_kafka_conf_set_opaque(conf, errors.get());
        rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t *, int err, const char *reason, void *opaque) {
            auto *e = static_cast<ClientErrors *>(opaque);
            std::lock_guard lock(e->mutex);
            const QString text = scrubSecrets(QString::fromUtf8(reason));
            if (err == RD_KAFKA_RESP_ERR__SSL)
                e->ssl << text;
            else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION)
                e->authentication << text;
            else if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                e->other << text;
        });
    });
    if (!client) {
        report.fail(step::settings, scrubSecrets(client.error()));
        return report;
    }
    rd_kafka_t *rk = client->get();
    QElapsedTimer timer;
    timer.start();
    const rd_kafka_metadata_t *metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, timeLeftMs(control, 5000));
    const qint64 metadataTook = timer.nsecsElapsed();
    rd_kafka_poll(rk, 0); // serves the error callback
    std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t *)> owned(
        metadata, [](const rd_kafka_metadata_t *m) { if (m) rd_kafka_metadata_destroy(m); });
    QStringList sslErrors, authErrors, otherErrors;
    {
        std::lock_guard lock(errors->mutex);
        sslErrors = errors->ssl;
        authErrors = errors->authentication;
        otherErrors = errors->other;
    }
    const QString username = cluster.property(QStringLiteral("sasl.username"));
    const QString who = username.contains(QLatin1String("${")) ? QString() : username;

    if (!sslErrors.isEmpty()) {
        report.fail(step::tls, sslErrors.constFirst());
        return report;
    }
    if (tls)
        report.pass(step::tls, err ? QStringLiteral("no TLS error reported") : QStringLiteral("completed"));
    else
        report.skip(step::tls, QStringLiteral("not configured (security.protocol %1)")
                                   .arg(protocol.isEmpty() ? QStringLiteral("PLAINTEXT") : protocol));
    if (!authErrors.isEmpty()) {
        report.fail(step::sasl, QStringLiteral("%1 with %2 was refused: %3")
                                    .arg(who.isEmpty() ? QStringLiteral("signing in") : QStringLiteral("signing in as ") + who,
                                         mechanism, authErrors.constFirst()));
        return report;
    }
    if (sasl)
        report.pass(step::sasl, who.isEmpty() ? QStringLiteral("signed in with %1").arg(mechanism)
                                              : QStringLiteral("connected as %1 (%2)").arg(who, mechanism));
    else
        report.skip(step::sasl, QStringLiteral("not configured"));
    if (err) {
        report.fail(step::authorization, QStringLiteral("the cluster's metadata could not be read: %1%2")
                                             .arg(QString::fromUtf8(rd_kafka_err2str(err)),
                                                  otherErrors.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(otherErrors.constLast())));
        return report;
    }

    // Authorization: the flows' topics in the metadata, the groups' committed offsets.
    QStringList findings;
    QStringList denied;
    QHash<QString, int> partitions;
    for (int i = 0; i < metadata->topic_cnt; ++i)
        partitions.insert(QString::fromUtf8(metadata->topics[i].topic),
                          metadata->topics[i].err ? -int(metadata->topics[i].err) : metadata->topics[i].partition_cnt);
    findings << QStringLiteral("metadata: %1 broker(s)").arg(metadata->broker_cnt);
    for (const QString &topic : topics) {
        const int count = partitions.value(topic, 0);
        if (count == -int(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED))
            denied << QStringLiteral("Describe on topic %1 denied").arg(topic);
        else if (count <= 0)
            denied << QStringLiteral("topic %1 not found (or Describe on it denied)").arg(topic);
        else
            findings << QStringLiteral("topic %1: %2 partition(s)").arg(topic).arg(count);
    }
    QString firstTopic;
    for (const QString &topic : topics) {
        if (partitions.value(topic, 0) > 0) {
            firstTopic = topic;
            break;
        }
    }
    if (!groups.isEmpty() && firstTopic.isEmpty()) {
        findings << QStringLiteral("groups not checked: no topic of theirs is readable");
    } else if (!groups.isEmpty()) {
        KafkaQueue queue(rd_kafka_queue_new(rk));
        for (const QString &group : groups) {
            PartitionList list(rd_kafka_topic_partition_list_new(1));
            rd_kafka_topic_partition_list_add(list.get(), firstTopic.toUtf8().constData(), 0);
            const QByteArray id = group.toUtf8();
            rd_kafka_ListConsumerGroupOffsets_t *request = rd_kafka_ListConsumerGroupOffsets_new(id.constData(), list.get());
            std::unique_ptr<rd_kafka_AdminOptions_t, KafkaDeleter> options(
                rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS));
            char errstr[256];
            rd_kafka_AdminOptions_set_request_timeout(options.get(), timeLeftMs(control, 5000), errstr, sizeof errstr);
            rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, options.get(), queue.get());
            rd_kafka_ListConsumerGroupOffsets_destroy(request);
            KafkaEvent event(rd_kafka_queue_poll(queue.get(), timeLeftMs(control, 6000)));
            rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
            QString why;
            if (!event) {
                why = QStringLiteral("no answer in time");
            } else if (rd_kafka_event_error(event.get())) {
                code = rd_kafka_event_error(event.get());
                why = QString::fromUtf8(rd_kafka_event_error_string(event.get()));
            } else {
                const auto *result = rd_kafka_event_ListConsumerGroupOffsets_result(event.get());
                size_t count = 0;
                const rd_kafka_group_result_t **answers = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count);
                for (size_t g = 0; g < count && why.isEmpty(); ++g) {
                    if (const rd_kafka_error_t *e = rd_kafka_group_result_error(answers[g])) {
                        code = rd_kafka_error_code(e);
                        why = QString::fromUtf8(rd_kafka_error_string(e));
                    } else if (const auto *parts = rd_kafka_group_result_partitions(answers[g])) {
                        for (int p = 0; p < parts->cnt && why.isEmpty(); ++p) {
                            if (parts->elems[p].err) {
                                code = parts->elems[p].err;
                                why = QString::fromUtf8(rd_kafka_err2str(code));
                            }
                        }
                    }
                }
            }
            if (code == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
                denied << QStringLiteral("Describe on group %1 denied").arg(group);
            else if (!why.isEmpty())
                denied << QStringLiteral("group %1: %2").arg(group, why);
            else
                findings << QStringLiteral("group %1: offsets readable").arg(group);
        }
    }
    if (!denied.isEmpty())
        report.fail(step::authorization, (QStringList{denied} + findings).join(QStringLiteral("; ")));
    else
        report.pass(step::authorization, findings.join(QStringLiteral("; ")));
    report.pass(step::roundTrip, QStringLiteral("TCP connect %1, first metadata %2").arg(milliseconds(bestConnect), milliseconds(metadataTook)));
    return report;
}

} // namespace idem::connectors::probe
