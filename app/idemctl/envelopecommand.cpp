// idemctl envelope detect TOPIC [--cluster NAME | --bootstrap SERVERS]
// [--samples N] [--json]: sample a topic and propose its envelope preset.

#include "app/common/cli.h"
#include "app/idemctl/commands.h"
#include "app/idemctl/environment.h"
#include "connectors/kafka/envelopedetectionservice.h"
#include "models/reports/envelopereport.h"

#include <QCommandLineParser>
#include <QJsonDocument>

#include <cstdio>

namespace idem::ctl {

int envelopeDetectCommand(const QCommandLineParser &parser, const QString &topic)
{
    bool ok = false;
    const int samples = parser.value(QStringLiteral("samples")).toInt(&ok);
    if (!ok || samples < 1 || samples > 10000)
        return app::fail(QStringLiteral("--samples must be between 1 and 10000, not \"%1\"").arg(parser.value(QStringLiteral("samples"))), 2);
    auto properties = clusterProperties(parser);
    if (!properties)
        return app::fail(properties.error(), 2);
    const auto detected = connectors::kafka::detectTopicEnvelope(*properties, topic, samples);
    if (!detected)
        return app::fail(detected.error(), 1);
    if (parser.isSet(QStringLiteral("json")))
        std::printf("%s\n", QJsonDocument(models::toJson(detected.value())).toJson(QJsonDocument::Compact).constData());
    else
        std::fputs(models::toText(detected.value()).toUtf8().constData(), stdout);
    return 0;
}

} // namespace idem::ctl
