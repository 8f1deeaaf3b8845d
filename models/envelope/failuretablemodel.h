#pragma once

// The dead-letter failures table of the Flows page: one row per failure
// group of the chosen flow's dead letters, most frequent first: what failed,
// how many, their share of the dead letters read, the failing consumer
// groups, when last, and one example. Digests replace the rows of their flow.

#include "models/envelope/deadletterdigest.h"

#include <QAbstractTableModel>
#include <QMap>

namespace idem::models {

class FailureTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Failure, Count, Share, ConsumerGroups, FirstSeen, Newest, ExampleEvent, ExampleError, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit FailureTableModel(QObject *parent = nullptr);

    void applyDigest(const DeadLetterDigest &digest);
    void showFlow(const QString &flow);
    void clear(); // forgets every flow's digest
    QString flow() const { return m_flow; }
    // The shown flow's digest; empty when none arrived.
    DeadLetterDigest digest() const { return m_digests.value(m_flow); }
    DeadLetterDigest digest(const QString &flow) const { return m_digests.value(flow); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void reload();

    QMap<QString, DeadLetterDigest> m_digests; // by flow
    QString m_flow;
    QList<FailureCount> m_rows;
    qint64 m_read = 0;
};

} // namespace idem::models
