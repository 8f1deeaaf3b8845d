// Proves the scan's matcher decides like the envelope decoder: the first
// source of the event_id spec the record has wins (a header beats the
// payload), JSON payloads are matched at their pointer only (the id's bytes
// elsewhere do not match), numbers and framed or string-wrapped payloads
// are handled, and it agrees with decode() on every row; the event index's
// EventIdReader reads the same event_id as decode() on the same rows.

#include "connectors/trace/eventmatcher.h"
#include "models/envelope/envelope.h"
#include "models/envelope/presets.h"

#include <QTest>

using namespace idem;

class TestEventMatcher : public QObject
{
    Q_OBJECT

private slots:
    void matches_data()
    {
        QTest::addColumn<QString>("fields"); // event_id spec
        QTest::addColumn<QByteArray>("header"); // event_id header value; empty: none
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<bool>("expected");

        const QString idem = QStringLiteral("header:event_id | payload:/event_id");
        QTest::newRow("header") << idem << QByteArray("e-1") << QByteArray() << QByteArray("{}") << true;
        QTest::newRow("header wins over payload") << idem << QByteArray("e-2") << QByteArray() << QByteArray("{\"event_id\":\"e-1\"}") << false;
        QTest::newRow("payload fallback") << idem << QByteArray() << QByteArray() << QByteArray("{\"a\":[1,2],\"event_id\":\"e-1\"}") << true;
        QTest::newRow("bytes elsewhere") << idem << QByteArray() << QByteArray() << QByteArray("{\"event_id\":\"x\",\"note\":\"e-1\"}") << false;
        QTest::newRow("prefix only") << idem << QByteArray() << QByteArray() << QByteArray("{\"event_id\":\"e-10\"}") << false;
        QTest::newRow("not json") << idem << QByteArray() << QByteArray() << QByteArray("e-1 but not json") << false;
        QTest::newRow("nested pointer") << QStringLiteral("payload:/meta/id") << QByteArray() << QByteArray()
                                        << QByteArray("{\"meta\":{\"id\":\"e-1\"}}") << true;
        QTest::newRow("number") << QStringLiteral("payload:/id") << QByteArray() << QByteArray() << QByteArray("{\"id\": 42 }") << false;
        QTest::newRow("key") << QStringLiteral("key") << QByteArray() << QByteArray("e-1") << QByteArray("{}") << true;
        QTest::newRow("key differs") << QStringLiteral("key") << QByteArray() << QByteArray("e-11") << QByteArray("{}") << false;
        QTest::newRow("json string holding json") << idem << QByteArray() << QByteArray()
                                                  << QByteArray("\"{\\\"event_id\\\":\\\"e-1\\\"}\"") << true;
    }

    void matches()
    {
        QFETCH(QString, fields);
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, payload);
        QFETCH(bool, expected);
        auto spec = models::makeEnvelopeSpec(QStringLiteral("custom"), {{QStringLiteral("event_id"), fields}});
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        models::RawMessage m;
        m.topic = QStringLiteral("t");
        if (!header.isEmpty())
            m.headers.append({"event_id", header});
        if (!key.isEmpty())
            m.key = key;
        m.value = payload;
        connectors::trace::EventMatcher matcher(spec.value(), QStringLiteral("e-1"));
        QCOMPARE(matcher.matches(m), expected);
        // The decoder agrees.
        const QString decoded = models::decode(m, spec.value()).eventId;
        QCOMPARE(decoded == QLatin1String("e-1"), expected);
        // And the index's reader reads what the decoder reads.
        connectors::trace::EventIdReader reader(spec.value());
        QCOMPARE(QString::fromUtf8(reader.read(m)), decoded);
    }

    void numericIds()
    {
        auto spec = models::makeEnvelopeSpec(QStringLiteral("custom"), {{QStringLiteral("event_id"), QStringLiteral("payload:/id")}});
        QVERIFY(spec.ok());
        models::RawMessage m;
        m.value = QByteArray("{\"id\": 42 }");
        connectors::trace::EventMatcher matcher(spec.value(), QStringLiteral("42"));
        QVERIFY(matcher.matches(m));
        QCOMPARE(models::decode(m, spec.value()).eventId, QStringLiteral("42"));
        connectors::trace::EventIdReader reader(spec.value());
        QCOMPARE(reader.read(m), QByteArray("42"));
    }
};

QTEST_GUILESS_MAIN(TestEventMatcher)
#include "tst_eventmatcher.moc"
