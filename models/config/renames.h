#pragma once

// Renaming a cluster, store or flow of an environment as an editor does:
// what refers to a renamed cluster or store follows it. Pure functions of
// the environment they are given.

#include "models/config/config.h"

#include <QString>

#include <optional>

namespace idem::models {

// Gives the cluster at `index` the name `name` (trimmed), and points the
// flows on its old name at the new one, unless another cluster still has the
// old name (then they stay on that one). Returns the old name; nothing when
// `index` is out of range or the name is unchanged (nothing is changed then).
std::optional<QString> renameCluster(EnvironmentConfig &env, qsizetype index, const QString &name);

// The same for a store: the flows' groups recording into it follow.
std::optional<QString> renameStore(EnvironmentConfig &env, qsizetype index, const QString &name);

// A flow's name: nothing refers to it within the environment.
std::optional<QString> renameFlow(EnvironmentConfig &env, qsizetype index, const QString &name);

} // namespace idem::models
