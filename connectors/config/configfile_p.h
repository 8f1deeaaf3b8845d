#pragma once

// What the configuration file's reader, writer and cross-reference checks
// share (connectors/config/ only): problems with their position, and the
// small text helpers.

#include "models/config/config.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <string>

namespace idem::connectors::configfile {

using models::Config;
using models::ConsumerGroupConfig;
using models::EnvelopeConfig;
using models::EnvironmentConfig;
using models::FlowAlertConfig;
using models::FlowConfig;
using models::KafkaClusterConfig;
using models::OpsDatabaseConfig;
using models::StoreConfig;
using models::TableMapping;

inline constexpr int kFormatVersion = 1;
inline constexpr qsizetype kMaxReported = 20;
// Far above any real configuration; keeps a wrong path (a log, an image) from being slurped.
inline constexpr qint64 kMaxFileSize = 4 * 1024 * 1024; // a configuration is a few KiB

struct Problem
{
    int line = 0; // 1-based
    int column = 0;
    QString message;
};

// A name the file uses to refer to something defined elsewhere in its
// environment (a flow's cluster, a group's store), with where it was written.
struct Reference
{
    enum class Kind { Cluster, Store };
    Kind kind = Kind::Cluster;
    QString flow;
    QString group; // for a store
    QString name;
    int line = 0;
    int column = 0;
};

// The problems of the references of one environment: each must name a
// cluster or store the environment defines.
QList<Problem> checkReferences(const models::EnvironmentConfig &environment, const QList<Reference> &references);

// "SOURCE:LINE:COLUMN: message" per problem, in file order, at most kMaxReported.
QString formatProblems(QList<Problem> problems, const QString &source);

inline QString quoted(const QString &text)
{
    return u'"' + text + u'"';
}

inline QString fromYaml(const std::string &text)
{
    return QString::fromStdString(text);
}

inline std::string toYaml(const QString &text)
{
    return text.toStdString();
}

QStringList names(const auto &list)
{
    QStringList out;
    for (const auto &item : list)
        out << item.name;
    return out;
}

} // namespace idem::connectors::configfile
