// Proves the Replays page shows requests in their buckets as the source
// sends them, disables Approve and Reject with the reason where the database
// would refuse (self-approval, not an approver, not pending) and enables them
// for another approver, sends the decision with the items_hash shown, and
// that the request dialog sends the Dead letters page's selection with the
// reason and closes on the new request's id.

#include "models/replay/replaysource.h"
#include "ui/dialogs/replayrequestdialog.h"
#include "ui/pages/replayspage.h"

#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QtTest>

using namespace idem;

class FakeReplaySource final : public models::ReplaySource
{
public:
    QStringList people() const override { return {QStringLiteral("alice"), QStringLiteral("bob")}; }
    void signIn(const QString &user) override { signedIn << user; }
    void refresh() override {}
    void loadDetails(qint64 id) override { loaded << id; }
    void request(const QString &flow, const QString &reason, const QList<models::DeadLetterRef> &items,
                 const QString &targetTopic) override
    {
        requested = {flow, reason, targetTopic};
        requestedItems = items;
    }
    void decide(qint64 id, bool approve, const QString &itemsHash, const QString &comment, bool) override
    {
        decided = {QString::number(id), approve ? QStringLiteral("approve") : QStringLiteral("reject"), itemsHash, comment};
    }
    void cancel(qint64) override {}
    void run(qint64) override {}

    QStringList signedIn;
    QList<qint64> loaded;
    QStringList requested;
    QList<models::DeadLetterRef> requestedItems;
    QStringList decided;
};

class TestReplaysPage : public QObject
{
    Q_OBJECT

    static models::ReplayRequest req(qint64 id, const QString &status, const QString &by)
    {
        models::ReplayRequest r;
        r.id = id;
        r.flow = QStringLiteral("orders");
        r.reason = QStringLiteral("gateway outage");
        r.requestedBy = by;
        r.status = status;
        r.itemCount = 2;
        r.itemsHash = QStringLiteral("hash-%1").arg(id);
        r.requestedAt = QDateTime::currentDateTimeUtc();
        r.expiresAt = r.requestedAt.addSecs(3600);
        return r;
    }

    static models::ReplayDetails details(const models::ReplayRequest &r)
    {
        models::ReplayDetails d;
        d.request = r;
        models::ReplayItem item;
        item.item = 1;
        item.spec.dlqTopic = QStringLiteral("orders.dlq");
        item.spec.eventId = QStringLiteral("evt-1");
        item.spec.targetTopic = QStringLiteral("orders.events");
        item.state = QStringLiteral("pending");
        d.items << item;
        return d;
    }

private slots:
    void decisionRulesShownBeforeTheDatabaseRefuses()
    {
        FakeReplaySource source;
        ui::ReplaysPage page(&source);
        page.show();
        QCOMPARE(source.signedIn, QStringList{QStringLiteral("alice")});
        QSignalSpy signedIn(&page, &ui::ReplaysPage::signedInChanged);
        emit source.identityChanged({QStringLiteral("bob"), {QStringLiteral("idem_approver")}}, {});
        QCOMPARE(signedIn.size(), 1);
        QCOMPARE(signedIn.at(0).at(0).toString(), QStringLiteral("bob (approver)"));
        QSignalSpy awaiting(&page, &ui::ReplaysPage::awaitingApproval);
        const auto mine = req(1, QStringLiteral("pending"), QStringLiteral("bob"));
        const auto theirs = req(2, QStringLiteral("pending"), QStringLiteral("alice"));
        emit source.requestsChanged({mine, theirs, req(3, QStringLiteral("approved"), QStringLiteral("dave")),
                                     req(4, QStringLiteral("done"), QStringLiteral("dave")),
                                     req(5, QStringLiteral("rejected"), QStringLiteral("dave"))});
        QCOMPARE(page.rowCount(models::ReplayBucket::Pending), 2);
        QCOMPARE(page.rowCount(models::ReplayBucket::Approved), 1);
        QCOMPARE(page.rowCount(models::ReplayBucket::Finished), 2);
        QCOMPARE(awaiting.last().at(0).toInt(), 1); // bob's own request does not await him

        // Own request: both buttons off, and the page says why.
        emit source.detailsReady(details(mine));
        QVERIFY(!page.approveButton()->isEnabled());
        QVERIFY2(page.decisionNote().contains(QStringLiteral("bob requested this replay: another approver must decide")),
                 qPrintable(page.decisionNote()));

        // Another person's request: approve sends the hash shown.
        emit source.detailsReady(details(theirs));
        QVERIFY(page.approveButton()->isEnabled());
        QTest::mouseClick(page.approveButton(), Qt::LeftButton);
        QCOMPARE(source.decided, (QStringList{QStringLiteral("2"), QStringLiteral("approve"), QStringLiteral("hash-2"), QString()}));

        // Reject needs a comment.
        QPushButton *rejectButton = nullptr;
        for (auto *b : page.findChildren<QPushButton *>())
            if (b->text() == QStringLiteral("Reject"))
                rejectButton = b;
        QVERIFY(rejectButton);
        QVERIFY(!rejectButton->isEnabled());
        QTest::keyClicks(page.findChild<QLineEdit *>(), QStringLiteral("wrong window"));
        QVERIFY(rejectButton->isEnabled());

        // An operator is no approver.
        emit source.identityChanged({QStringLiteral("alice"), {QStringLiteral("idem_operator")}}, {});
        emit source.detailsReady(details(mine));
        QVERIFY(!page.approveButton()->isEnabled());
        QVERIFY(page.decisionNote().contains(QStringLiteral("alice is not an approver")));

        // A finished request cannot be decided.
        emit source.identityChanged({QStringLiteral("bob"), {QStringLiteral("idem_approver")}}, {});
        emit source.detailsReady(details(req(4, QStringLiteral("done"), QStringLiteral("dave"))));
        QVERIFY(!page.approveButton()->isEnabled());
    }

    void requestDialogSendsTheSelection()
    {
        FakeReplaySource source;
        const QList<models::DeadLetterRef> items{{QStringLiteral("orders.dlq"), 0, 41}, {QStringLiteral("orders.dlq"), 2, 7}};
        ui::ReplayRequestDialog dialog(&source, QStringLiteral("orders"), items);
        dialog.show();
        QAbstractButton *requestButton = nullptr;
        for (auto *b : dialog.findChild<QDialogButtonBox *>()->buttons())
            if (b->text() == QStringLiteral("Request"))
                requestButton = b;
        QVERIFY(requestButton);
        QVERIFY(!requestButton->isEnabled()); // a reason is required
        QTest::keyClicks(dialog.reasonEdit(), QStringLiteral("gateway outage 09:10-09:25"));
        QVERIFY(requestButton->isEnabled());
        QTest::mouseClick(requestButton, Qt::LeftButton);
        QCOMPARE(source.requested, (QStringList{QStringLiteral("orders"), QStringLiteral("gateway outage 09:10-09:25"), QString()}));
        QCOMPARE(source.requestedItems.size(), 2);
        QCOMPARE(source.requestedItems[1].offset, 7);
        // A refusal keeps the dialog open with the database's reason; success closes it.
        emit source.actionDone(QStringLiteral("request"), 0, false, true, QStringLiteral("carol may not do this"));
        QVERIFY(dialog.isVisible());
        QTest::mouseClick(requestButton, Qt::LeftButton);
        emit source.actionDone(QStringLiteral("request"), 12, true, false, QStringLiteral("replay request 12"));
        QCOMPARE(dialog.requestId(), 12);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
};

QTEST_MAIN(TestReplaysPage)
#include "tst_replayspage.moc"
