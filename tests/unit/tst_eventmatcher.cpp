// Proves the scan's matcher decides like the envelope decoder: the first
// source of the event_id spec the record has wins (a header beats the
// payload), JSON payloads are matched at their pointer only (the id's bytes
// elsewhere do not match), numbers and framed or string-wrapped payloads
// are handled, and it agrees with decode() on every row; the event index's
// EventIdReader reads the same event_id as decode() on the same rows; the
// event_id's bytes read directly are those of the QString read() gives.

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

    void eventIdBytesAsTheQStringWouldHaveThem_data()
    {
        QTest::addColumn<QString>("fields");
        QTest::addColumn<QByteArray>("header"); // raw bytes; empty: none
        QTest::addColumn<QByteArray>("payload");
        const QString idem = QStringLiteral("header:event_id | payload:/event_id");
        QTest::newRow("ascii") << idem << QByteArray("e-1") << QByteArray("{}");
        QTest::newRow("utf-8") << idem << QByteArray("\xc3\xa9-\xe2\x9c\x93-\xf0\x9f\x99\x82") << QByteArray("{}");
        QTest::newRow("byte order mark") << idem << QByteArray("\xef\xbb\xbf" "e-1") << QByteArray("{}");
        QTest::newRow("only a byte order mark") << idem << QByteArray("\xef\xbb\xbf") << QByteArray("{}");
        QTest::newRow("invalid utf-8") << idem << QByteArray("e-\xff\xc3") << QByteArray("{}");
        QTest::newRow("overlong") << idem << QByteArray("e-\xc0\xaf") << QByteArray("{}");
        QTest::newRow("nul inside") << idem << QByteArray("e\0-1", 4) << QByteArray("{}");
        QTest::newRow("payload, escaped") << idem << QByteArray() << QByteArray("{\"event_id\":\"\\ufeffe-\\u00e9\"}");
        QTest::newRow("decoder: not json") << idem << QByteArray() << QByteArray("not json");
        QTest::newRow("decoder: empty header") << QStringLiteral("header:event_id") << QByteArray("") << QByteArray("{}");
    }

    void eventIdBytesAsTheQStringWouldHaveThem()
    {
        // readEventId() gives read().eventId.toUtf8() (and its problem), on a
        // record that owns its bytes and on one that only points at them.
        QFETCH(QString, fields);
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, payload);
        auto spec = models::makeEnvelopeSpec(QStringLiteral("custom"), {{QStringLiteral("event_id"), fields}});
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        models::RawMessage m;
        if (!header.isNull())
            m.headers.append({"event_id", header});
        m.value = payload;
        connectors::trace::EnvelopeFieldReader reader(spec.value(), true);
        const auto fieldsRead = reader.read(m);
        QString problem;
        QCOMPARE(reader.readEventId(m, &problem), fieldsRead.eventId.toUtf8());
        QCOMPARE(problem, fieldsRead.problem);
        models::RawMessage view = m;
        for (auto &h : view.headers) {
            if (h.value)
                h.value = QByteArray::fromRawData(h.value->constData(), h.value->size());
        }
        view.value = QByteArray::fromRawData(payload.constData(), payload.size());
        QCOMPARE(reader.readEventId(view), fieldsRead.eventId.toUtf8());
        QCOMPARE(connectors::trace::utf8AsQStringWouldHaveIt(header), QString::fromUtf8(header).toUtf8());
    }
};

QTEST_GUILESS_MAIN(TestEventMatcher)
#include "tst_eventmatcher.moc"
