// Proves the envelope field spec grammar: what parses, its canonical text
// (which parses back to the same spec), and the exact message a person gets
// for each mistake.

#include "models/envelope/fieldspec.h"

#include <QtTest>

using namespace idem::models;

class TestFieldSpec : public QObject
{
    Q_OBJECT

private slots:
    void parses_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical");

        QTest::newRow("header") << "event_id"
                                << "header:event_id"
                                << "header:event_id";
        QTest::newRow("fallbacks, free spacing") << "event_id"
                                                 << "  header:event_id|payload:/event_id  |  key "
                                                 << "header:event_id | payload:/event_id | key";
        QTest::newRow("nested pointer") << "event_id"
                                        << "payload:/data/id"
                                        << "payload:/data/id";
        QTest::newRow("pointer escapes") << "event_id"
                                         << "payload:/a~1b/c~0d"
                                         << "payload:/a~1b/c~0d";
        QTest::newRow("array index") << "entity_key"
                                     << "payload:/items/0/sku"
                                     << "payload:/items/0/sku";
        QTest::newRow("binary offset") << "original_offset"
                                       << "header:kafka_dlt-original-offset as int64be"
                                       << "header:kafka_dlt-original-offset as int64be";
        QTest::newRow("pick and format in any order") << "original_offset"
                                                      << "header:x as int first"
                                                      << "header:x first as int";
        QTest::newRow("last") << "error"
                              << "header:kafka_dlt-exception-message last"
                              << "header:kafka_dlt-exception-message last";
        QTest::newRow("quoted header name") << "event_id"
                                            << "header:\"x request id\" | header:\"a\\\"b\\\\c\""
                                            << "header:\"x request id\" | header:\"a\\\"b\\\\c\"";
        QTest::newRow("quoted pointer with a bar") << "event_id"
                                                   << R"(payload:"/a|b")"
                                                   << R"(payload:"/a|b")";
        QTest::newRow("cloudevent") << "event_id"
                                    << "cloudevent:id"
                                    << "cloudevent:id";
        QTest::newRow("cloudevent extension") << "entity_key"
                                              << "cloudevent:partitionkey | key"
                                              << "cloudevent:partitionkey | key";
        QTest::newRow("data") << "entity_key"
                              << "data:/order_id"
                              << "data:/order_id";
        QTest::newRow("timestamp") << "time"
                                   << "header:ts | timestamp"
                                   << "header:ts | timestamp";
        QTest::newRow("key as hex") << "entity_key"
                                    << "key as hex"
                                    << "key as hex";
        QTest::newRow("none") << "entity_key"
                              << "none"
                              << "none";
        QTest::newRow("decimal text") << "attempt"
                                      << "header:attempt as decimal"
                                      << "header:attempt as decimal";
        QTest::newRow("int from payload") << "attempt"
                                          << "payload:/attempt as int"
                                          << "payload:/attempt as int";
        QTest::newRow("header name with colon") << "event_id"
                                                << "header:ns:event-id"
                                                << "header:ns:event-id";
    }
    void parses()
    {
        QFETCH(QString, field);
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        const auto f = envelopeFieldFromName(field);
        QVERIFY(f);
        const auto spec = parseFieldSpec(text, *f);
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        QCOMPARE(formatFieldSpec(spec.value()), canonical);
        const auto again = parseFieldSpec(canonical, *f);
        QVERIFY2(again.ok(), qPrintable(again.error()));
        QVERIFY(again.value() == spec.value());
    }

    void parsedValues()
    {
        const auto spec = parseFieldSpec(
            u"header:kafka_dlt-original-offset first as int64be | payload:/a~1b/~0 | key",
            EnvelopeField::OriginalOffset);
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        const auto &alts = spec.value().alternatives;
        QCOMPARE(alts.size(), 3);
        QCOMPARE(alts[0].kind, FieldSourceKind::Header);
        QCOMPARE(alts[0].name, QByteArray("kafka_dlt-original-offset"));
        QCOMPARE(alts[0].pick, HeaderPick::First);
        QCOMPARE(alts[0].format, ValueFormat::Int64Be);
        QCOMPARE(alts[1].kind, FieldSourceKind::Payload);
        QCOMPARE(alts[1].pointer, QStringList({ QStringLiteral("a/b"), QStringLiteral("~") }));
        QCOMPARE(alts[2].kind, FieldSourceKind::Key);
        QCOMPARE(alts[2].format, ValueFormat::Auto);
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");

        QTest::newRow("empty") << "entity_key"
                               << "   "
                               << R"(entity_key: "   " column 1: empty spec; write none to leave )"
                                  "the field unread";
        QTest::newRow("header without name")
            << "event_id"
            << "header: | key"
            << R"(event_id: "header: | key" column 8: expected a header name after "header:")";
        QTest::newRow("missing colon")
            << "event_id"
            << "header event_id"
            << R"(event_id: "header event_id" column 7: expected ":" after "header")";
        QTest::newRow("unknown source")
            << "event_id"
            << "headers:event_id"
            << R"(event_id: "headers:event_id" column 1: unknown source "headers:"; expected )"
               "header:NAME, key, payload:/POINTER, data:/POINTER, cloudevent:ATTRIBUTE, "
               "timestamp or none";
        QTest::newRow("trailing bar")
            << "event_id"
            << "header:event_id |"
            << R"(event_id: "header:event_id |" column 18: expected a source after "|")";
        QTest::newRow("leading bar")
            << "event_id"
            << "| key"
            << R"(event_id: "| key" column 1: expected a source before "|")";
        QTest::newRow("pointer without slash")
            << "event_id"
            << "payload:event_id"
            << R"(event_id: "payload:event_id" column 9: a JSON pointer starts with "/" (did you )"
               R"(mean "/event_id"?))";
        QTest::newRow("bad pointer escape")
            << "event_id"
            << "payload:/a~2"
            << R"(event_id: "payload:/a~2" column 11: in a JSON pointer "~" must be followed by 0 )"
               R"((for "~") or 1 (for "/"))";
        QTest::newRow("unknown format")
            << "original_offset"
            << "header:o as int16be"
            << R"(original_offset: "header:o as int16be" column 13: unknown format "int16be"; )"
               "expected text, hex, int, int32be, int64be or decimal";
        QTest::newRow("as without format")
            << "attempt"
            << "header:attempt as"
            << R"(attempt: "header:attempt as" column 18: expected a format after "as": text, )"
               "hex, int, int32be, int64be or decimal";
        QTest::newRow("unknown modifier")
            << "attempt"
            << "header:attempt latest"
            << R"(attempt: "header:attempt latest" column 16: unexpected "latest"; expected )"
               R"(first, last, as FORMAT, "|" or the end)";
        QTest::newRow("pick on key")
            << "entity_key"
            << "key first"
            << R"(entity_key: "key first" column 5: first chooses among repeated headers; it does )"
               "not apply to key";
        QTest::newRow("pick twice")
            << "error"
            << "header:e first last"
            << R"(error: "header:e first last" column 16: first or last is given twice)";
        QTest::newRow("format twice")
            << "attempt"
            << "header:a as int as text"
            << R"(attempt: "header:a as int as text" column 17: "as" is given twice)";
        QTest::newRow("unterminated quote")
            << "event_id"
            << "header:\"abc"
            << "event_id: \"header:\"abc\" column 8: unterminated quoted name";
        QTest::newRow("bad escape in quote")
            << "event_id"
            << "header:\"a\\nb\""
            << "event_id: \"header:\"a\\nb\"\" column 10: only \\\" and \\\\ may follow \\ in "
               "a quoted name";
        QTest::newRow("none for event_id")
            << "event_id"
            << "none"
            << R"(event_id: "none" column 1: event_id cannot be none: Idem identifies every event )"
               "by it";
        QTest::newRow("none with others")
            << "entity_key"
            << "key | none"
            << R"(entity_key: "key | none" column 7: none cannot be combined with sources)";
        QTest::newRow("timestamp for text")
            << "event_type"
            << "timestamp"
            << R"(event_type: "timestamp" column 1: timestamp is the record time and fits only )"
               "time fields (time, original_timestamp, failed_at), not event_type";
        QTest::newRow("hex for a number")
            << "attempt"
            << "header:attempt as hex"
            << R"(attempt: "header:attempt as hex" column 19: as hex gives text and fits only )"
               "text fields; attempt is a number";
        QTest::newRow("raw bytes from JSON")
            << "original_offset"
            << "payload:/offset as int64be"
            << R"(original_offset: "payload:/offset as int64be" column 20: as int64be reads raw )"
               "bytes, but payload:/offset may be a JSON value";
        QTest::newRow("uppercase attribute")
            << "event_id"
            << "cloudevent:Id"
            << R"(event_id: "cloudevent:Id" column 12: CloudEvents attribute names are lowercase )"
               R"(letters and digits, not "Id")";
        QTest::newRow("key with name")
            << "entity_key"
            << "key:order_id"
            << R"(entity_key: "key:order_id" column 4: "key" takes no name after ":")";
        QTest::newRow("stray quote")
            << "entity_key"
            << "key \"x\""
            << "entity_key: \"key \"x\"\" column 5: unexpected '\"'; quotes belong around "
               "names";
    }
    void rejects()
    {
        QFETCH(QString, field);
        QFETCH(QString, text);
        QFETCH(QString, error);
        const auto f = envelopeFieldFromName(field);
        QVERIFY(f);
        const auto spec = parseFieldSpec(text, *f);
        QVERIFY(!spec.ok());
        QCOMPARE(spec.error(), error);
    }

    void describesSources()
    {
        const auto spec = parseFieldSpec(
            u"header:ce_id | key | payload:/event_id | data:/id | cloudevent:id | timestamp",
            EnvelopeField::Time);
        QVERIFY2(spec.ok(), qPrintable(spec.error()));
        QStringList described;
        for (const FieldSource &s : spec.value().alternatives)
            described.append(describeFieldSource(s));
        QCOMPARE(described,
                 QStringList({ "header ce_id", "the key", "/event_id in the payload",
                               "/id in the event data", "CloudEvents attribute id",
                               "the record timestamp" }));
    }

    void fieldNames()
    {
        for (EnvelopeField f : allEnvelopeFields())
            QCOMPARE(envelopeFieldFromName(envelopeFieldName(f)), std::optional(f));
        QCOMPARE(envelopeFieldFromName(u"eventId"), std::nullopt);
        QCOMPARE(allEnvelopeFields().size(), qsizetype(EnvelopeFieldCount));
    }
};

QTEST_APPLESS_MAIN(TestFieldSpec)
#include "tst_fieldspec.moc"
