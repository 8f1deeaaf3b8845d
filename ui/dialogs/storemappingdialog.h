#pragma once

// The store mapping assistant: reads a store's tables (information_schema,
// through the ConnectionTools on its worker), proposes its registry and
// attempts tables and their columns (models/config/storemapping.h), shows
// the proposal with sample rows of the registry (a bounded LIMIT), and on
// "Use this mapping" hands the mappings back for the person to save.

#include "models/config/config.h"
#include "models/config/storemapping.h"

#include <QDialog>
#include <QPointer>

class QLabel;
class QPushButton;
class QTableWidget;

namespace idem::models {
class ConnectionTools;
struct SampleRowsReply;
struct StoreSchemaReply;
}

namespace idem::ui {

class StoreMappingDialog final : public QDialog
{
    Q_OBJECT

public:
    StoreMappingDialog(models::StoreConfig store, models::ConnectionTools *tools, QWidget *parent = nullptr);

    const models::MappingProposal &proposal() const { return m_proposal; }
    // The store with the proposed mapping (outcome values and the rest as they were).
    models::StoreConfig mappedStore() const;

private:
    void described(const models::StoreSchemaReply &reply);
    void sampled(const models::SampleRowsReply &reply);

    models::StoreConfig m_store;
    QPointer<models::ConnectionTools> m_tools;
    quint64 m_describe = 0;
    quint64 m_sample = 0;
    models::MappingProposal m_proposal;
    QLabel *m_status = nullptr;
    QTableWidget *m_columns = nullptr;
    QTableWidget *m_samples = nullptr;
    QPushButton *m_use = nullptr;
};

} // namespace idem::ui
