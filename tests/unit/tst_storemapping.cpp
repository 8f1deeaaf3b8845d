// Proves the store mapping assistant's judgement: each logical column is
// matched by its own name, then by synonyms, then by a word of the name,
// and only where the type fits (a time for a timestamp, a number for a
// count); the registry and the attempts log are told apart; a store with no
// event_id-like column gets a precise message.

#include "models/config/storemapping.h"

#include <QTest>

using namespace idem::models;

Q_DECLARE_METATYPE(idem::models::MappingRole)

class TestStoreMapping final : public QObject
{
    Q_OBJECT

private slots:
    void scoreColumn_data()
    {
        QTest::addColumn<MappingRole>("role");
        QTest::addColumn<QString>("logical");
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("type");
        QTest::addColumn<bool>("primaryKey");
        QTest::addColumn<int>("score");
        const auto R = MappingRole::Registry;
        const auto A = MappingRole::Attempts;
        QTest::newRow("own name, primary key") << R << "event_id" << "event_id" << "uuid" << true << 120;
        QTest::newRow("own name") << R << "event_id" << "event_id" << "text" << false << 100;
        QTest::newRow("first synonym") << R << "event_id" << "message_id" << "text" << false << 90;
        QTest::newRow("synonym in capitals") << R << "event_id" << "MessageID" << "text" << false << 74;
        QTest::newRow("word of the name") << R << "event_id" << "order_event_id" << "text" << false << 50;
        QTest::newRow("time is no event id") << R << "event_id" << "event_id" << "timestamp with time zone" << false << 0;
        QTest::newRow("status synonym") << R << "status" << "state" << "text" << false << 100;
        QTest::newRow("status that is a time") << R << "status" << "state" << "timestamp without time zone" << false << 0;
        QTest::newRow("count") << R << "attempts" << "tries" << "integer" << false << 100;
        QTest::newRow("count as text") << R << "attempts" << "tries" << "text" << false << 0;
        QTest::newRow("received is first seen") << R << "first_seen_at" << "received_at" << "timestamp with time zone" << false << 100;
        QTest::newRow("handled is processed") << R << "processed_at" << "handled_at" << "timestamp with time zone" << false << 100;
        QTest::newRow("aggregate key") << R << "entity_key" << "aggregate_key" << "text" << false << 90;
        QTest::newRow("attempt number") << A << "attempt" << "try_no" << "integer" << false << 100;
        QTest::newRow("attempt outcome") << A << "outcome" << "result" << "text" << false << 100;
        QTest::newRow("attempt time") << A << "at" << "logged_at" << "timestamp with time zone" << false << 96;
        QTest::newRow("unrelated") << R << "event_type" << "amount" << "numeric" << false << 0;
    }

    void scoreColumn()
    {
        QFETCH(MappingRole, role);
        QFETCH(QString, logical);
        QFETCH(QString, column);
        QFETCH(QString, type);
        QFETCH(bool, primaryKey);
        QFETCH(int, score);
        QCOMPARE(idem::models::scoreColumn(role, logical, ColumnInfo{column, type, primaryKey}), score);
    }

    void conventionalNamesNeedNoMapping()
    {
        const QList<TableInfo> tables = {
            {QStringLiteral("public"), QStringLiteral("processing_attempts"),
             {{"event_id", "text", false}, {"attempt", "integer", false}, {"outcome", "text", false},
              {"error", "text", false}, {"at", "timestamp with time zone", false}}},
            {QStringLiteral("public"), QStringLiteral("processed_events"),
             {{"event_id", "text", true}, {"entity_key", "text", false}, {"status", "text", false},
              {"attempts", "integer", false}, {"processed_at", "timestamp with time zone", false}}},
        };
        const MappingProposal p = proposeMapping(tables);
        QVERIFY(p.ok());
        QCOMPARE(p.registryTable, QStringLiteral("processed_events"));
        QCOMPARE(p.attemptsTable, QStringLiteral("processing_attempts"));
        QCOMPARE(p.registryMapping().columns, (QMap<QString, QString>()));
        QCOMPARE(p.attemptsMapping().columns, (QMap<QString, QString>()));
        QVERIFY(p.notes.contains(QStringLiteral("registry: no column found for event_type; it keeps its own name")));
    }

    void schemaQualifiedAndQuotedNames()
    {
        const QList<TableInfo> tables = {{QStringLiteral("billing"), QStringLiteral("Inbox"),
                                          {{"message_id", "text", true}, {"state", "text", false}}}};
        const MappingProposal p = proposeMapping(tables);
        QCOMPARE(p.registryTable, QStringLiteral("billing.\"Inbox\""));
        QCOMPARE(p.notes.last(), QStringLiteral("no table looks like the log of attempts (an event id and an attempt "
                                                "number); Idem's figures from it stay empty"));
    }

    void noEventIdColumn()
    {
        const MappingProposal p = proposeMapping({{QStringLiteral("public"), QStringLiteral("things"),
                                                   {{"id", "integer", true}, {"name", "text", false}}},
                                                  {QStringLiteral("public"), QStringLiteral("more"), {}}});
        QVERIFY(!p.ok());
        QCOMPARE(p.error, QStringLiteral("no table has a column that looks like an event id (event_id, message_id, "
                                         "msg_id, event_uuid, eventid) in things, more; Idem needs the column that "
                                         "holds each processed event's id: map the registry by hand"));
        QCOMPARE(proposeMapping({}).error, QStringLiteral("the store has no tables this connection can see; check "
                                                          "the database and the user's privileges"));
    }
};

QTEST_GUILESS_MAIN(TestStoreMapping)
#include "tst_storemapping.moc"
