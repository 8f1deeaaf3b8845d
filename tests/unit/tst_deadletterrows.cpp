// Proves the plain values behind the Dead letters page: the newest-first
// order visits every retained offset exactly once even with partitions of
// different sizes and pages are contiguous runs; records render safely
// (invalid UTF-8, control characters and binary as hex, JSON pretty-printed,
// over 1 MiB cut with the size stated, big-endian headers decoded where the
// envelope reads them); filters match what they say; already-processed
// combines the stores' answers; positions parse as `idemctl dlq show` takes them.

#include "models/deadletters/deadletterrow.h"
#include "models/deadletters/deadletterscan.h"
#include "models/deadletters/recordview.h"

#include <QSet>
#include <QtTest>

using namespace idem::models;

class TestDeadLetterRows : public QObject
{
    Q_OBJECT

private slots:
    void orderVisitsEveryOffsetOnceNewestFirst()
    {
        const QList<PartitionSpan> spans{{0, 10, 20}, {1, 0, 3}, {2, 5, 5}, {3, 100, 107}};
        const DeadLetterOrder order(QStringLiteral("t"), spans);
        QCOMPARE(order.size(), 20);
        QSet<QPair<int, qint64>> seen;
        QHash<int, qint64> last;
        for (qint64 r = 0; r < order.size(); ++r) {
            const DeadLetterRef ref = order.at(r);
            QCOMPARE(ref.topic, QStringLiteral("t"));
            QVERIFY(!seen.contains({ref.partition, ref.offset}));
            seen.insert({ref.partition, ref.offset});
            QVERIFY(ref.offset < last.value(ref.partition, std::numeric_limits<qint64>::max()));
            last.insert(ref.partition, ref.offset);
        }
        QCOMPARE(order.at(0), (DeadLetterRef{QStringLiteral("t"), 0, 19}));
        QCOMPARE(order.at(1), (DeadLetterRef{QStringLiteral("t"), 1, 2}));
        QCOMPARE(order.at(2), (DeadLetterRef{QStringLiteral("t"), 3, 106}));
        QCOMPARE(order.at(19), (DeadLetterRef{QStringLiteral("t"), 0, 10}));
        QCOMPARE(order.at(20), DeadLetterRef{});
        // Pages: refs() agrees with at() from any start.
        for (qint64 first = 0; first < order.size(); ++first) {
            const QList<DeadLetterRef> refs = order.refs(first, 7);
            QCOMPARE(refs.size(), qsizetype(std::min<qint64>(7, order.size() - first)));
            for (qsizetype i = 0; i < refs.size(); ++i)
                QCOMPARE(refs[i], order.at(first + i));
        }
    }

    void bytesRenderSafely_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("form");
        QTest::addColumn<QString>("contains");
        QTest::newRow("json") << QByteArray("{\"a\":1}") << int(RecordBytesView::Form::Json) << QStringLiteral("\"a\": 1");
        QTest::newRow("text") << QByteArray("plain words") << int(RecordBytesView::Form::Text) << QStringLiteral("plain words");
        QTest::newRow("invalid utf-8") << QByteArray("ab\xc3\x28") << int(RecordBytesView::Form::Hex) << QStringLiteral("61 62 c3 28");
        QTest::newRow("escape sequence") << QByteArray("\x1b[2Jgone") << int(RecordBytesView::Form::Hex) << QStringLiteral("1b 5b");
        QTest::newRow("binary") << QByteArray("\x00\x01\x02", 3) << int(RecordBytesView::Form::Hex) << QStringLiteral("00 01 02");
        QTest::newRow("empty") << QByteArray("") << int(RecordBytesView::Form::Text) << QString();
    }

    void bytesRenderSafely()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, form);
        QFETCH(QString, contains);
        const RecordBytesView v = viewBytes(bytes, true);
        QCOMPARE(int(v.form), form);
        QCOMPARE(v.size, bytes.size());
        QVERIFY2(v.text.contains(contains), qPrintable(v.text));
        QVERIFY(!v.truncated);
    }

    void oversizedPayloadIsCutWithItsSize()
    {
        const QByteArray big(3 * 1024 * 1024, 'x');
        const RecordBytesView v = viewBytes(big, true);
        QVERIFY(v.truncated);
        QCOMPARE(v.size, big.size());
        // Cut at a character boundary within the first MiB.
        QVERIFY(v.text.size() <= MaxShownBytes && v.text.size() >= MaxShownBytes - 3);
        RawMessage m;
        m.topic = QStringLiteral("t");
        m.value = big;
        const RecordView view = viewRecord(m, makeEnvelopeSpec(QStringLiteral("idem")).value());
        QVERIFY(view.text().contains(QStringLiteral("Payload (3145728 bytes, the first 1 MiB shown)")));
        // A null payload (tombstone) and a null header value render too.
        RawMessage tomb;
        tomb.headers.append({QByteArray("\xff\xfe", 2), std::nullopt});
        const RecordView t = viewRecord(tomb, makeEnvelopeSpec(QStringLiteral("idem")).value());
        QCOMPARE(t.payload.form, RecordBytesView::Form::Absent);
        QCOMPARE(t.headers.first().name, QStringLiteral("0xfffe"));
        QVERIFY(t.text().contains(QStringLiteral("(null)")));
    }

    void bigEndianHeadersDecodedWhereTheEnvelopeSaysSo()
    {
        RawMessage m;
        m.topic = QStringLiteral("orders.DLT");
        m.headers = {{"kafka_dlt-original-offset", QByteArray("\x00\x00\x00\x00\x00\x00\x01\x2c", 8)},
                     {"kafka_dlt-original-partition", QByteArray("\xff\xff\xff\xff", 4)},
                     {"something-else", QByteArray("\x00\x00\x00\x05", 4)}};
        const RecordView v = viewRecord(m, makeEnvelopeSpec(QStringLiteral("spring")).value());
        QCOMPARE(v.headers[0].bigEndian, std::optional<qint64>(300));
        QCOMPARE(v.headers[1].bigEndian, std::optional<qint64>(-1));
        QCOMPARE(v.headers[2].bigEndian, std::nullopt); // the envelope does not read it as a number
        QCOMPARE(v.headers[2].value.form, RecordBytesView::Form::Hex);
    }

    void undecodableDeadLetterKeepsItsProblem()
    {
        RawMessage m;
        m.topic = QStringLiteral("orders.dlq");
        m.partition = 2;
        m.offset = 7;
        m.value = QByteArray("\xff\x00garbage", 9);
        m.headers = {{"error", QByteArray("boom 42")}};
        const DeadLetterRow row = makeDeadLetterRow(m, makeEnvelopeSpec(QStringLiteral("idem")).value());
        QVERIFY(row.eventId.isEmpty());
        QVERIFY(!row.problems.isEmpty());
        QVERIFY2(row.errorText().startsWith(QStringLiteral("boom 42 — decode problem: could not read event_id")),
                 qPrintable(row.errorText()));
        QCOMPARE(row.failureLabel, QStringLiteral("boom <n>"));
        QCOMPARE(row.ref.text(), QStringLiteral("orders.dlq:2:7"));
    }

    void filterMatches()
    {
        DeadLetterRow row;
        row.ref = {QStringLiteral("t"), 3, 100};
        row.eventId = QStringLiteral("EV-1");
        row.entityKey = QStringLiteral("order-9");
        row.error = QStringLiteral("no such customer 5");
        row.failureKey = QStringLiteral("k1");
        row.failureLabel = QStringLiteral("no such customer <n>");
        row.consumerGroup = QStringLiteral("billing");
        row.timestampMs = 5000;
        DeadLetterFilter f;
        QVERIFY(f.isEmpty() && f.matches(row));
        f.text = QStringLiteral("ev-1");
        QVERIFY(f.matches(row));
        f.text = QStringLiteral("CUSTOMER");
        QVERIFY(f.matches(row));
        f.failure = QStringLiteral("k1");
        QVERIFY(f.matches(row));
        f.failure = QStringLiteral("timeout");
        QVERIFY(!f.matches(row));
        f = {};
        f.consumerGroup = QStringLiteral("shipping");
        QVERIFY(!f.matches(row));
        f = {};
        f.from = QDateTime::fromMSecsSinceEpoch(5000, Qt::UTC);
        f.to = QDateTime::fromMSecsSinceEpoch(5001, Qt::UTC);
        QVERIFY(f.matches(row));
        f.from = QDateTime::fromMSecsSinceEpoch(5001, Qt::UTC);
        QVERIFY(!f.matches(row));
        f = {};
        f.partition = 3;
        f.maxOffset = 99;
        QVERIFY(!f.matches(row));
        f.maxOffset = 100;
        QVERIFY(f.matches(row));
    }

    // A filter run matches records without building their rows: its answer
    // must be the row's, for every kind of filter and record.
    void filterOnRecordsAnswersAsOnRows_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        // Which of the four records below match: clean, customer, broken, long error.
        const QList<std::tuple<QString, QString, QString>> filters{
            {"text", "ev-1", "1101"}, {"text", "EV-1", "1101"}, {"text", "order-9", "1111"},
            {"text", "customer", "0100"}, {"text", "TimeoutException: store", "1000"}, {"text", "decode problem", "0010"},
            {"text", "could not read event_id", "0010"}, {"text", "nothing like it", "0000"}, {"text", QString(300, QLatin1Char('x')), "0001"},
            {"text", QStringLiteral("x…"), "0001"}, {"failure", "no such customer", "0100"}, {"failure", "timeout", "1000"},
            {"consumerGroup", "billing", "1100"}, {"consumerGroup", "shipping", "0010"}, {"consumerGroup", "bill", "0000"},
            {"from", "5000", "1111"}, {"from", "5001", "0000"}, {"to", "5000", "0000"},
            {"to", "5001", "1111"}, {"partition", "3", "1111"}, {"partition", "2", "0000"},
            {"maxOffset", "99", "0000"}, {"maxOffset", "100", "1111"}};
        for (const auto &[field, value, expected] : filters)
            QTest::newRow(qPrintable(field + QLatin1Char('=') + value.left(24))) << field << value << expected;
    }

    void filterOnRecordsAnswersAsOnRows()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        DeadLetterFilter f;
        if (field == QLatin1String("text"))
            f.text = value;
        else if (field == QLatin1String("failure"))
            f.failure = value;
        else if (field == QLatin1String("consumerGroup"))
            f.consumerGroup = value;
        else if (field == QLatin1String("from"))
            f.from = QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
        else if (field == QLatin1String("to"))
            f.to = QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
        else if (field == QLatin1String("partition"))
            f.partition = value.toInt();
        else
            f.maxOffset = value.toLongLong();
        const EnvelopeSpec spec = makeEnvelopeSpec(QStringLiteral("idem")).value();
        const auto header = [](const char *name, const QByteArray &v) { return RawHeader{name, v}; };
        QList<RawMessage> records;
        RawMessage clean;
        clean.topic = QStringLiteral("t");
        clean.partition = 3;
        clean.offset = 100;
        clean.timestampMs = 5000;
        clean.key = QByteArray("order-9");
        clean.value = QByteArray(R"({"event_id":"EV-1","entity_key":"order-9"})");
        clean.headers = {header("event_id", "EV-1"), header("error", "store 7 timed out"),
                         header("error_class", "TimeoutException"), header("consumer_group", "billing")};
        records << clean;
        RawMessage customer = clean;
        customer.headers = {header("event_id", "EV-12"), header("error", "no such customer 5"),
                            header("consumer_group", "billing")};
        records << customer;
        RawMessage broken = clean; // no event_id anywhere, a payload that is not JSON
        broken.value = QByteArray("\xff garbage");
        broken.headers = {header("error", "boom 42"), header("consumer_group", "shipping")};
        records << broken;
        RawMessage longError = clean; // an error longer than a row keeps
        longError.headers = {header("event_id", "EV-1"), header("error", QByteArray(1200, 'x'))};
        records << longError;
        QString matching; // which records match, e.g. "1101"
        for (const RawMessage &m : std::as_const(records)) {
            const DecodedEnvelope decoded = decode(m, spec);
            const bool onRow = f.matches(makeDeadLetterRow(m, decoded));
            QCOMPARE(f.matches(m, decoded), onRow);
            if (onRow)
                QVERIFY(f.mayMatch(m));
            matching += onRow ? QLatin1Char('1') : QLatin1Char('0');
        }
        QCOMPARE(matching, expected);
    }

    void processedCombinesStores()
    {
        StoreAnswer billing{QStringLiteral("billing-db"), {QStringLiteral("billing")}, {}, {{QStringLiteral("a"), QStringLiteral("processed")}, {QStringLiteral("b"), QStringLiteral("parked")}}, QStringLiteral("processed")};
        StoreAnswer down{QStringLiteral("ledger-db"), {QStringLiteral("ledger")}, QStringLiteral("refused"), {}, QStringLiteral("processed")};
        QCOMPARE(combineProcessed(QStringLiteral("a"), {billing, down}).text(), QStringLiteral("processed by billing"));
        QCOMPARE(combineProcessed(QStringLiteral("b"), {billing, down}).text(), QStringLiteral("unknown: store ledger-db down"));
        QCOMPARE(combineProcessed(QStringLiteral("b"), {billing}).text(), QStringLiteral("not processed (billing: parked)"));
        QCOMPARE(combineProcessed(QStringLiteral("c"), {billing}).text(), QStringLiteral("not processed"));
        QCOMPARE(combineProcessed(QStringLiteral("c"), {}).kind, ProcessedState::Kind::NoStores);
    }

    void positionsParse()
    {
        QCOMPARE(DeadLetterRef::parse(QStringLiteral("orders.dlq:3:1200")), (DeadLetterRef{QStringLiteral("orders.dlq"), 3, 1200}));
        QCOMPARE(DeadLetterRef::parse(QStringLiteral("a:b:1:2")), (DeadLetterRef{QStringLiteral("a:b"), 1, 2}));
        QVERIFY(!DeadLetterRef::parse(QStringLiteral("orders.dlq:3")));
        QVERIFY(!DeadLetterRef::parse(QStringLiteral("orders.dlq:x:1")));
        QVERIFY(!DeadLetterRef::parse(QStringLiteral(":1:2")));
        QVERIFY(!DeadLetterRef::parse(QStringLiteral("t:1:-2")));
    }

    void scanSummaryStatesGaps()
    {
        DeadLetterScan scan;
        scan.filter.text = QStringLiteral("x");
        scan.read = 1000;
        scan.total = 1500;
        scan.matched = 3;
        scan.matches = {{0, 1, 1}, {0, 2, 2}, {1, 3, 3}};
        scan.ranges = {{0, 0, 500, 0, 500, {}}, {1, 0, 500, 0, 500, {}}, {2, 0, 500, 100, 500, {}}, {3, 0, 500, 100, 500, {}},
                       {4, 0, 500, 0, 0, QStringLiteral("deadline")}};
        QVERIFY(!scan.complete());
        QCOMPARE(scan.summary(), QStringLiteral("matched 3 of 1\u2009000 read; partitions 2–3 before offset 100 past retention; "
                                                "partition 4 not read from offset 0: deadline"));
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterRows)
#include "tst_deadletterrows.moc"
