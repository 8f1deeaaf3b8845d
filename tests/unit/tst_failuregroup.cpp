// Proves that dead letters failing for the same reason land in one group:
// by root-cause exception and first frame when a stack trace is present, by
// the error text with ids, uuids, numbers and hex stripped when not.

#include "models/envelope/failuregroup.h"

#include <QtTest>

using namespace idem::models;

namespace {

const char *const kSpringTrace
    = "org.springframework.kafka.listener.ListenerExecutionFailedException: Listener method "
      "'public void com.acme.OrderListener.on(com.acme.Order)' threw exception\n"
      "\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer"
      ".decorateException(KafkaMessageListenerContainer.java:2869)\n"
      "\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer"
      ".doInvokeOnMessage(KafkaMessageListenerContainer.java:2814)\n"
      "Caused by: com.acme.InvalidOrderException: order 42 has no lines\n"
      "\tat com.acme.OrderListener.on(OrderListener.java:31)\n"
      "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n"
      "\t... 14 more\n";

} // namespace

class TestFailureGroup : public QObject
{
    Q_OBJECT

private slots:
    void summarizes_data()
    {
        QTest::addColumn<QString>("trace");
        QTest::addColumn<QString>("exceptionClass");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("firstFrame");

        QTest::newRow("spring wrapper, root cause")
            << kSpringTrace << "com.acme.InvalidOrderException"
            << "order 42 has no lines"
            << "com.acme.OrderListener.on";
        QTest::newRow("connect, cause without own frames")
            << "org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect "
               "data failed due to serialization error: \n"
               "\tat org.apache.kafka.connect.json.JsonConverter.toConnectData(JsonConverter.java:"
               "324)\n"
               "Caused by: org.apache.kafka.common.errors.SerializationException: "
               "com.fasterxml.jackson.core.JsonParseException: Unrecognized token 'not'\n"
               "\t... 17 more\n"
            << "org.apache.kafka.common.errors.SerializationException"
            << "com.fasterxml.jackson.core.JsonParseException: Unrecognized token 'not'"
            << "org.apache.kafka.connect.json.JsonConverter.toConnectData";
        QTest::newRow("suppressed causes are not the root")
            << "java.lang.IllegalStateException: boom\n"
               "\tat com.acme.A.run(A.java:10)\n"
               "\tSuppressed: java.io.IOException: close failed\n"
               "\t\tat com.acme.B.close(B.java:5)\n"
               "\tCaused by: java.lang.RuntimeException: inner\n"
               "\t\tat com.acme.C.x(C.java:1)\n"
            << "java.lang.IllegalStateException"
            << "boom"
            << "com.acme.A.run";
        QTest::newRow("multi-line message")
            << "java.lang.IllegalArgumentException: bad order\nline two of the message\n"
               "\tat com.acme.Validator.check(Validator.java:7)\n"
            << "java.lang.IllegalArgumentException"
            << "bad order"
            << "com.acme.Validator.check";
        QTest::newRow("generated proxy frames")
            << "java.lang.NullPointerException\n"
               "\tat com.acme.Orders$$EnhancerBySpringCGLIB$$5b1c2d.handle(<generated>)\n"
            << "java.lang.NullPointerException"
            << ""
            << "com.acme.Orders$$.handle";
        QTest::newRow("dotnet inner exception")
            << "System.AggregateException: One or more errors occurred. ---> "
               "System.InvalidOperationException: Order 42 is closed\n"
               "   at Acme.Orders.Handler.Handle(Order order) in /src/Handler.cs:line 42\n"
               "   --- End of inner exception stack trace ---\n"
               "   at Acme.Consumer.Run()\n"
            << "System.InvalidOperationException"
            << "Order 42 is closed"
            << "Acme.Orders.Handler.Handle";
        QTest::newRow("python traceback")
            << "Traceback (most recent call last):\n"
               "  File \"/app/consumer.py\", line 88, in run\n"
               "    handle(msg)\n"
               "  File \"/app/orders/handler.py\", line 12, in handle\n"
               "    raise ValueError(f\"order {oid} has no lines\")\n"
               "ValueError: order 42 has no lines\n"
            << "ValueError"
            << "order 42 has no lines"
            << "handler.py in handle";
        QTest::newRow("python chained: the first failure is the root")
            << "Traceback (most recent call last):\n"
               "  File \"/app/db.py\", line 5, in load\n"
               "KeyError: 'order-42'\n"
               "\n"
               "During handling of the above exception, another exception occurred:\n"
               "\n"
               "Traceback (most recent call last):\n"
               "  File \"/app/handler.py\", line 9, in handle\n"
               "RuntimeError: cannot load order\n"
            << "KeyError"
            << "'order-42'"
            << "db.py in load";
    }
    void summarizes()
    {
        QFETCH(QString, trace);
        QFETCH(QString, exceptionClass);
        QFETCH(QString, message);
        QFETCH(QString, firstFrame);
        const auto s = summarizeStackTrace(trace);
        QVERIFY(s);
        QCOMPARE(s->exceptionClass, exceptionClass);
        QCOMPARE(s->message, message);
        QCOMPARE(s->firstFrame, firstFrame);
    }

    void notATrace_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("plain message") << "order 42 could not be saved";
        QTest::newRow("class without frames") << "java.lang.IllegalStateException: boom";
        QTest::newRow("empty") << "";
        QTest::newRow("only frames") << "\tat com.acme.A.run(A.java:1)\n";
    }
    void notATrace()
    {
        QFETCH(QString, text);
        QCOMPARE(summarizeStackTrace(text), std::nullopt);
    }

    void normalizes_data()
    {
        QTest::addColumn<QString>("cause");
        QTest::addColumn<QString>("normalized");

        QTest::newRow("numbers") << "order 42 has 3 lines"
                                 << "order <n> has <n> lines";
        QTest::newRow("uuid") << "event 4d9c1f5e-6a57-4d1b-9a4e-2F1F0B6F8A11 already processed"
                              << "event <uuid> already processed";
        QTest::newRow("hex") << "bad checksum 0xDEADBEEF in block 9f86d081884c7d65"
                             << "bad checksum <hex> in block <hex>";
        QTest::newRow("ids inside words") << "Order ORD-2024-0042 not found (attempt3)"
                                          << "Order ORD-<n>-<n> not found (attempt<n>)";
        QTest::newRow("timestamps") << "deadline 2024-05-01T10:00:00Z passed"
                                    << "deadline <n>-<n>-<n>T<n>:<n>:<n>Z passed";
        QTest::newRow("words that look like hex stay") << "decade of facade"
                                                       << "decade of facade";
        QTest::newRow("white space collapses") << "  a\t\n b  "
                                               << "a b";
        QTest::newRow("empty") << ""
                               << "";
    }
    void normalizes()
    {
        QFETCH(QString, cause);
        QFETCH(QString, normalized);
        QCOMPARE(normalizeErrorCause(cause), normalized);
    }

    void longCausesAreCut()
    {
        const QString cause = QString(500, QLatin1Char('x'));
        const QString n = normalizeErrorCause(cause);
        QCOMPARE(n.size(), 301);
        QVERIFY(n.endsWith(QStringLiteral("…")));
    }

    void groups_data()
    {
        QTest::addColumn<QString>("classA");
        QTest::addColumn<QString>("errorA");
        QTest::addColumn<QString>("traceA");
        QTest::addColumn<QString>("classB");
        QTest::addColumn<QString>("errorB");
        QTest::addColumn<QString>("traceB");
        QTest::addColumn<bool>("same");

        const QString other = QString::fromLatin1(kSpringTrace)
                                  .replace(QStringLiteral("order 42"), QStringLiteral("order 7"))
                                  .replace(QStringLiteral("java:31"), QStringLiteral("java:35"));
        QTest::newRow("same trace, other ids and lines") << ""
                                                         << "x" << kSpringTrace << ""
                                                         << "y" << other << true;
        QTest::newRow("other first frame")
            << ""
            << "" << kSpringTrace << ""
            << ""
            << QString::fromLatin1(kSpringTrace)
                   .replace(QStringLiteral("OrderListener.on"), QStringLiteral("OrderListener.off"))
            << false;
        QTest::newRow("cause differing in ids") << "com.acme.NotFound"
                                                << "order 42 not found"
                                                << ""
                                                << "com.acme.NotFound"
                                                << "order 4711 not found"
                                                << "" << true;
        QTest::newRow("same text, other class") << "com.acme.NotFound"
                                                << "order 42 not found"
                                                << ""
                                                << "com.acme.Gone"
                                                << "order 42 not found"
                                                << "" << false;
        QTest::newRow("other cause") << ""
                                     << "order 42 not found"
                                     << ""
                                     << ""
                                     << "order 42 rejected"
                                     << "" << false;
    }
    void groups()
    {
        QFETCH(QString, classA);
        QFETCH(QString, errorA);
        QFETCH(QString, traceA);
        QFETCH(QString, classB);
        QFETCH(QString, errorB);
        QFETCH(QString, traceB);
        QFETCH(bool, same);
        const FailureGroup a = failureGroupOf(classA, errorA, traceA);
        const FailureGroup b = failureGroupOf(classB, errorB, traceB);
        QCOMPARE(a.key == b.key, same);
    }

    void labels()
    {
        const FailureGroup trace = failureGroupOf(u"", u"", QString::fromLatin1(kSpringTrace));
        QCOMPARE(trace.basis, FailureGroup::Basis::StackTrace);
        QCOMPARE(trace.label(),
                 QStringLiteral("com.acme.InvalidOrderException at com.acme.OrderListener.on"));
        QCOMPARE(trace.cause, QStringLiteral("order <n> has no lines"));

        const FailureGroup cause = failureGroupOf(u"com.acme.NotFound", u"order 42 not found", u"");
        QCOMPARE(cause.basis, FailureGroup::Basis::ErrorCause);
        QCOMPARE(cause.label(), QStringLiteral("com.acme.NotFound: order <n> not found"));

        const FailureGroup unreadableTrace
            = failureGroupOf(u"", u"timeout after 30000 ms", u"no frames here");
        QCOMPARE(unreadableTrace.basis, FailureGroup::Basis::ErrorCause);
        QCOMPARE(unreadableTrace.label(), QStringLiteral("timeout after <n> ms"));

        const FailureGroup none = failureGroupOf(u"", u"  ", u"");
        QCOMPARE(none.basis, FailureGroup::Basis::None);
        QCOMPARE(none.label(), QStringLiteral("no error recorded"));
    }

    void fromEnvelope()
    {
        DecodedEnvelope d;
        d.errorClass = QStringLiteral("com.acme.NotFound");
        d.error = QStringLiteral("order 42 not found");
        QCOMPARE(failureGroupOf(d), failureGroupOf(d.errorClass, d.error, d.stackTrace));
    }
};

QTEST_APPLESS_MAIN(TestFailureGroup)
#include "tst_failuregroup.moc"
