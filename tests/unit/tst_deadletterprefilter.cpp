// Proves the filter run's shortcut exact: over dead letters of every
// convention, with JSON escapes and numbers, undecodable records, invalid
// UTF-8, binary headers and characters that fold to ASCII, and for needles
// that hit them only through those, DeadLetterPrefilter never skips a record
// the full decode matches (with the text alone and with group, failure and
// time filters beside it), and CleanDecodeProbe never calls clean a record
// whose decode has a problem. It also skips what it should: plain records
// that do not hold the text, in each convention.

#include "models/deadletters/deadletterprefilter.h"
#include "tests/support/deadlettercorpus.h"

#include <QtTest>

using namespace idem::models;

namespace {

struct NamedSpec
{
    QString name;
    EnvelopeSpec spec;
};

QList<NamedSpec> specs()
{
    const QList<std::pair<QString, QMap<QString, QString>>> configs{
        {QStringLiteral("idem"), {}},
        {QStringLiteral("spring"), {}},
        {QStringLiteral("connect"), {}},
        {QStringLiteral("cloudevents"), {}},
        {QStringLiteral("cloudevents+spring"), {}},
        {QStringLiteral("debezium-outbox"), {}},
        {QStringLiteral("idem"), {{QStringLiteral("entity_key"), QStringLiteral("key as hex")}}},
        {QStringLiteral("idem"), {{QStringLiteral("error"), QStringLiteral("header:error | header:original_offset as int")}}},
        {QStringLiteral("idem"), {{QStringLiteral("event_id"), QStringLiteral("payload:/event_id | header:event_id last")}}},
        // Every payload field has a header or key to fall back on: records
        // with escapes can decode cleanly.
        {QStringLiteral("custom"),
         {{QStringLiteral("event_id"), QStringLiteral("header:event_id")},
          {QStringLiteral("entity_key"), QStringLiteral("payload:/entity_key | key")}}},
        {QStringLiteral("custom"),
         {{QStringLiteral("event_id"), QStringLiteral("data:/entity_key | payload:/0 | key")},
          {QStringLiteral("error"), QStringLiteral("payload:/event_version")}}},
    };
    QList<NamedSpec> out;
    for (const auto &[preset, fields] : configs) {
        auto spec = makeEnvelopeSpec(preset, fields);
        if (!spec)
            qFatal("%s", qPrintable(spec.error()));
        QStringList overrides;
        for (auto it = fields.cbegin(); it != fields.cend(); ++it)
            overrides << it.key() + QLatin1Char('=') + it.value();
        out.append({preset + (overrides.isEmpty() ? QString() : QLatin1Char(' ') + overrides.join(QLatin1Char(','))),
                    spec.value()});
    }
    return out;
}

QList<DeadLetterFilter> filtersFor(const QString &needle)
{
    DeadLetterFilter text;
    text.text = needle;
    DeadLetterFilter group = text;
    group.consumerGroup = QStringLiteral("billing");
    DeadLetterFilter failure = text;
    failure.failure = QStringLiteral("customer");
    DeadLetterFilter time = text;
    time.from = QDateTime::fromMSecsSinceEpoch(1795700000000LL + 200, Qt::UTC);
    return {text, group, failure, time};
}

QString describe(const RawMessage &m)
{
    QStringList headers;
    for (const RawHeader &h : m.headers)
        headers << QString::fromLatin1(h.name) + QLatin1Char('=')
                + (h.value ? QString::fromLatin1(h.value->toHex()) : QStringLiteral("(null)"));
    return QStringLiteral("offset %1 key %2 value %3 headers %4")
        .arg(m.timestampMs)
        .arg(m.key ? QString::fromLatin1(m.key->toHex()) : QStringLiteral("(null)"),
             m.value ? QString::fromLatin1(m.value->toHex()) : QStringLiteral("(null)"), headers.join(QLatin1Char(' ')));
}

RawMessage benchLike(qint64 i)
{
    RawMessage m;
    m.topic = QStringLiteral("t");
    m.partition = 0;
    m.offset = i;
    m.timestampMs = 1795700000000LL + i;
    const QByteArray id = "ev-" + QByteArray::number(i);
    m.key = "order-" + QByteArray::number(i % 50000);
    m.value = "{\"event_id\":\"" + id + "\",\"amount_cents\":" + QByteArray::number(i % 9999) + "}";
    m.headers = {{"event_id", id}, {"event_type", "order.created"}, {"attempt", "4"}, {"original_topic", "orders"},
                 {"original_offset", QByteArray::number(i)}, {"consumer_group", "billing"},
                 {"error", "no such customer " + QByteArray::number(i % 1000)}};
    return m;
}

} // namespace

class TestDeadLetterPrefilter : public QObject
{
    Q_OBJECT

private slots:
    void neverSkipsAMatch()
    {
        const QList<RawMessage> corpus = idem::testsupport::deadLetterCorpus(QStringLiteral("t"), 3, 1000);
        qint64 skipped = 0;
        qint64 matched = 0;
        qint64 looked = 0;
        QSet<QString> matchedNeedles;
        for (const NamedSpec &s : specs()) {
            QList<DecodedEnvelope> decoded;
            for (const RawMessage &m : corpus)
                decoded << decodeFields(m, s.spec);
            for (const QString &needle : idem::testsupport::corpusNeedles()) {
                for (const DeadLetterFilter &filter : filtersFor(needle)) {
                    const DeadLetterPrefilter prefilter(filter, s.spec);
                    for (qsizetype i = 0; i < corpus.size(); ++i) {
                        const bool matches = filter.matches(corpus[i], decoded[i]);
                        const bool skips = prefilter.excludes(corpus[i]);
                        if (matches && skips)
                            QFAIL(qPrintable(QStringLiteral("%1, filter %2: skipped a match: %3")
                                                 .arg(s.name, filter.describe(), describe(corpus[i]))));
                        // The decoded row says the same as the record.
                        QCOMPARE(filter.matches(makeDeadLetterRow(corpus[i], decoded[i])), matches);
                        skipped += skips;
                        matched += matches;
                        ++looked;
                        if (matches)
                            matchedNeedles.insert(needle);
                    }
                }
            }
        }
        // Not vacuous: records are skipped (few of these: most have a problem
        // or bytes it cannot reason about), many match, and every needle
        // that only a transformation produces matches somewhere.
        const QString counts = QStringLiteral("%1 looked at, %2 skipped, %3 matched").arg(looked).arg(skipped).arg(matched);
        qInfo("%s", qPrintable(counts));
        QVERIFY2(skipped > looked / 50, qPrintable(counts));
        for (const QString &needle : {QStringLiteral("ev-999"), QStringLiteral("a/b"), QStringLiteral("order-77"), QStringLiteral("100000"),
                                      QStringLiteral("680000"), QStringLiteral("e+21"), QStringLiteral("700"), QStringLiteral("decode problem"),
                                      QStringLiteral("decimal"), QStringLiteral("0xff"), QStringLiteral("stop"),
                                      QStringLiteral("k-line"), QStringLiteral("exception: disk"),
                                      QStringLiteral("ception: "), QStringLiteral("6f72"), QStringLiteral("wrapped"),
                                      QStringLiteral("\u00e9t\u00e9")})
            QVERIFY2(matchedNeedles.contains(needle), qPrintable(needle));
    }

    void transformedTextsAreDecodedNotSkipped_data()
    {
        QTest::addColumn<QString>("needle");
        QTest::addColumn<int>("record"); // index into the corpus's fixed part
        QTest::newRow("\\u escape") << QStringLiteral("ev-999") << 5;
        QTest::newRow("\\/ escape") << QStringLiteral("a/b") << 6;
        QTest::newRow("exponent") << QStringLiteral("100000") << 7;
        QTest::newRow("big number") << QStringLiteral("680000") << 8;
        QTest::newRow("exponent shown") << QStringLiteral("e+21") << 41;
        QTest::newRow("escape beside a header") << QStringLiteral("order-77") << 42;
        QTest::newRow("class: error") << QStringLiteral("exception: disk") << 1;
        QTest::newRow("join only") << QStringLiteral("ception: ") << 1;
        QTest::newRow("problem text") << QStringLiteral("decode problem") << 17;
        QTest::newRow("invalid UTF-8") << QStringLiteral("0xff") << 23;
        QTest::newRow("long s") << QStringLiteral("stop") << 29;
        QTest::newRow("kelvin") << QStringLiteral("k-line") << 30;
    }

    void transformedTextsAreDecodedNotSkipped()
    {
        QFETCH(QString, needle);
        QFETCH(int, record);
        const EnvelopeSpec spec = makeEnvelopeSpec(QStringLiteral("idem")).value();
        const QList<RawMessage> fixed = idem::testsupport::deadLetterCorpus(QStringLiteral("t"), 3, 0);
        QVERIFY(record < fixed.size());
        const RawMessage &m = fixed.at(record);
        DeadLetterFilter filter;
        filter.text = needle;
        QVERIFY2(filter.matches(m, decodeFields(m, spec)), qPrintable(describe(m)));
        QVERIFY(!DeadLetterPrefilter(filter, spec).excludes(m));
    }

    void probeNeverCallsAProblemClean()
    {
        const QList<RawMessage> corpus = idem::testsupport::deadLetterCorpus(QStringLiteral("t"), 3, 1000);
        for (const NamedSpec &s : specs()) {
            const CleanDecodeProbe probe(s.spec);
            qint64 clean = 0;
            for (const RawMessage &m : corpus) {
                if (!probe.certainlyClean(m))
                    continue;
                ++clean;
                const DecodedEnvelope d = decodeFields(m, s.spec);
                if (!d.problems.isEmpty())
                    QFAIL(qPrintable(s.name + QStringLiteral(": ") + describe(m) + QStringLiteral(": ")
                                     + d.problems.first().text()));
            }
            QVERIFY2(clean > 0, qPrintable(s.name));
        }
    }

    void skipsPlainRecordsWithoutTheText()
    {
        // The benchmark's records in each convention's spec: every one
        // without the text is skipped, the ones with it are decoded.
        for (const QString &preset : {QStringLiteral("idem"), QStringLiteral("spring"), QStringLiteral("connect")}) {
            const EnvelopeSpec spec = makeEnvelopeSpec(preset).value();
            DeadLetterFilter filter;
            filter.text = QStringLiteral("EV-99999");
            const DeadLetterPrefilter prefilter(filter, spec);
            QVERIFY(prefilter.active());
            int skipped = 0;
            for (qint64 i = 99990; i < 100010; ++i) {
                const RawMessage m = benchLike(i);
                QCOMPARE(prefilter.excludes(m), !filter.matches(m, decodeFields(m, spec)));
                skipped += prefilter.excludes(m);
            }
            QCOMPARE(skipped, 19); // all but ev-99999
        }
    }

    void saysNothingWhereItCannotReason()
    {
        const EnvelopeSpec spec = makeEnvelopeSpec(QStringLiteral("idem")).value();
        const auto active = [&](const QString &text) {
            DeadLetterFilter f;
            f.text = text;
            f.consumerGroup = QStringLiteral("billing");
            return DeadLetterPrefilter(f, spec).active();
        };
        QVERIFY(!active(QString())); // group alone: decoded (after the time test)
        QVERIFY(!active(QStringLiteral("\u00e9t\u00e9"))); // not ASCII: case folding
        QVERIFY(!active(QStringLiteral("a\tb"))); // a control character
        QVERIFY(!active(QStringLiteral(":"))); // any class with an error
        QVERIFY(!active(QStringLiteral(" ")));
        QVERIFY(active(QStringLiteral("ev-1")));
        QVERIFY(active(QStringLiteral("0")));
        // Hex renderings: hex-looking needles are decoded.
        const EnvelopeSpec hex = makeEnvelopeSpec(QStringLiteral("idem"), {{QStringLiteral("entity_key"), QStringLiteral("key as hex")}}).value();
        DeadLetterFilter f;
        f.text = QStringLiteral("6F72");
        QVERIFY(!DeadLetterPrefilter(f, hex).active());
        f.text = QStringLiteral("order");
        QVERIFY(DeadLetterPrefilter(f, hex).active());
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterPrefilter)
#include "tst_deadletterprefilter.moc"
