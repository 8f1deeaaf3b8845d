#include "models/config/renames.h"

namespace idem::models {

namespace {

template<typename T> std::optional<QString> renameAt(QList<T> &items, qsizetype index, const QString &text)
{
    const QString name = text.trimmed();
    if (index < 0 || index >= items.size() || items[index].name == name)
        return std::nullopt;
    QString old = items[index].name;
    items[index].name = name;
    return old;
}

} // namespace

std::optional<QString> renameCluster(EnvironmentConfig &env, qsizetype index, const QString &name)
{
    const auto old = renameAt(env.clusters, index, name);
    if (old && !env.cluster(*old)) {
        for (auto &flow : env.flows) {
            if (flow.cluster == *old)
                flow.cluster = env.clusters[index].name;
        }
    }
    return old;
}

std::optional<QString> renameStore(EnvironmentConfig &env, qsizetype index, const QString &name)
{
    const auto old = renameAt(env.stores, index, name);
    if (old && !env.store(*old)) {
        for (auto &flow : env.flows) {
            for (auto &group : flow.groups) {
                if (group.store == *old)
                    group.store = env.stores[index].name;
            }
        }
    }
    return old;
}

std::optional<QString> renameFlow(EnvironmentConfig &env, qsizetype index, const QString &name)
{
    return renameAt(env.flows, index, name);
}

} // namespace idem::models
