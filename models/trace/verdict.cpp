#include "models/trace/verdict.h"

#include <QLocale>

#include <functional>

namespace idem::models {

namespace {

// What one consumer did with the event.
struct GroupFacts
{
    TraceGroup group;
    StoreRecord record;
    int processed = 0;
    int skipped = 0;
    int failures = 0;
    QString lastError;
    QList<TraceHop> committedPast; // the copies it committed past
    bool deadLettered = false;

    bool failedOnly() const
    {
        return processed == 0 && (failures > 0 || deadLettered || record.status == QLatin1String("dead_lettered"));
    }
    bool processedIt() const { return processed > 0 || record.status == QLatin1String("processed"); }
};

struct Facts
{
    const TraceResult &result;
    QList<TraceHop> copies; // produced
    QList<TraceHop> deadLetters;
    QList<TraceHop> retries;
    QList<GroupFacts> groups; // groups with a store that could be read
    QStringList unchecked; // stores that could not be read
    QList<TraceHop> logicalDuplicates;
};

QString quoted(const QString &text)
{
    return QStringLiteral("'%1'").arg(text);
}

// "billing", "billing and shipping", "a, b and c".
QString joinNames(const QStringList &names)
{
    if (names.size() <= 1)
        return names.value(0);
    return QStringList(names.mid(0, names.size() - 1)).join(QStringLiteral(", ")) + QStringLiteral(" and ")
        + names.last();
}

// "orders.events 3@1200 and 3@1201": the topic named once where it repeats.
QString joinLocations(const QList<TraceHop> &hops)
{
    QStringList parts;
    QString topic;
    for (const TraceHop &h : hops) {
        if (h.topic == topic) {
            parts << QStringLiteral("%1@%2").arg(h.partition).arg(h.offset);
        } else {
            parts << h.location();
            topic = h.topic;
        }
    }
    return joinNames(parts);
}

Facts gather(const TraceResult &r)
{
    Facts f{r, {}, {}, {}, {}, {}, {}};
    for (const TraceHop &h : r.hops) {
        if (h.kind == HopKind::Produced)
            f.copies.append(h);
        else if (h.kind == HopKind::DeadLettered)
            f.deadLetters.append(h);
        else if (h.kind == HopKind::Retried)
            f.retries.append(h);
        else if (h.kind == HopKind::LogicalDuplicate)
            f.logicalDuplicates.append(h);
    }
    for (const TraceGroup &g : r.groups) {
        if (g.store.isEmpty())
            continue;
        GroupFacts gf;
        gf.group = g;
        gf.record.store = g.store;
        bool checked = false;
        for (const StoreRecord &s : r.stores) {
            if (s.store == g.store && (s.group.isEmpty() || s.group == g.group)) {
                gf.record = s;
                checked = s.checked;
                if (!s.checked && !f.unchecked.contains(g.store))
                    f.unchecked << g.store;
            }
        }
        for (const TraceHop &h : r.hops) {
            if (h.kind == HopKind::Consumed && h.group == g.group)
                gf.committedPast.append(h);
            if (h.kind == HopKind::DeadLettered && h.group == g.group)
                gf.deadLettered = true;
            if (h.system != g.store)
                continue;
            if (h.kind == HopKind::Processed)
                ++gf.processed;
            else if (h.kind == HopKind::SkippedDuplicate)
                ++gf.skipped;
            else if (h.kind == HopKind::Failed) {
                ++gf.failures;
                if (!h.error.isEmpty())
                    gf.lastError = h.error;
            }
        }
        if (checked)
            f.groups.append(gf);
    }
    return f;
}

QStringList namesOf(const QList<GroupFacts> &groups, const std::function<bool(const GroupFacts &)> &pick)
{
    QStringList names;
    for (const GroupFacts &g : groups) {
        if (pick(g))
            names << g.group.group;
    }
    return names;
}

QString timeText(const QDateTime &t, bool withDate)
{
    return t.toUTC().toString(withDate ? QStringLiteral("yyyy-MM-dd HH:mm") : QStringLiteral("HH:mm"));
}

QString notFoundText(const Facts &f)
{
    const TraceResult &r = f.result;
    QMap<QString, QList<int>> read;
    for (const ScannedRange &s : r.scanned)
        read[s.topic].append(s.partition);
    // Ranges the event index covers were searched too (through the index).
    for (const NotScannedRange &n : r.notScanned) {
        if (n.reason == NotScannedReason::Indexed && n.partition >= 0 && !read[n.topic].contains(n.partition))
            read[n.topic].append(n.partition);
    }
    QStringList where;
    for (auto it = read.cbegin(); it != read.cend(); ++it)
        where << describePartitions(it.key(), it.value());
    QString text = where.isEmpty() ? QStringLiteral("Not found: no topic could be read")
                                   : QStringLiteral("Not found in %1").arg(joinNames(where));
    if (r.query.from.isValid() && r.query.to.isValid()) {
        const bool sameDay = r.query.from.toUTC().date() == r.query.to.toUTC().date();
        text += QStringLiteral(" between %1 and %2 UTC").arg(timeText(r.query.from, !sameDay), timeText(r.query.to, !sameDay));
    } else if (r.query.from.isValid()) {
        text += QStringLiteral(" since %1 UTC").arg(timeText(r.query.from, true));
    } else if (r.query.to.isValid()) {
        text += QStringLiteral(" until %1 UTC").arg(timeText(r.query.to, true));
    }
    // What was not read, by reason: "partitions 2 and 4 of orders.events
    // before offset 8000 are past retention".
    QStringList gaps;
    const QList<QPair<NotScannedReason, QString>> reasons{
        {NotScannedReason::Retention, QStringLiteral("past retention")},
        {NotScannedReason::Budget, QStringLiteral("not read (message budget used up)")},
        {NotScannedReason::Deadline, QStringLiteral("not read (out of time)")},
        {NotScannedReason::Cancelled, QStringLiteral("not read (cancelled)")},
        {NotScannedReason::Error, QStringLiteral("not readable")},
    };
    for (const auto &[reason, words] : reasons) {
        // topic -> (to offset -> partitions): partitions cut at the same offset read as one.
        QMap<QString, QMap<qint64, QList<int>>> cut;
        QStringList whole; // topics not read at all: their partitions are unknown
        for (const NotScannedRange &n : r.notScanned) {
            if (n.reason != reason)
                continue;
            if (n.partition < 0) {
                if (!whole.contains(n.topic))
                    whole << n.topic;
                continue;
            }
            cut[n.topic][reason == NotScannedReason::Retention ? n.to : n.from].append(n.partition);
        }
        if (!whole.isEmpty())
            gaps << QStringLiteral("%1 %2 %3").arg(joinNames(whole), whole.size() == 1 ? QStringLiteral("is") : QStringLiteral("are"), words);
        for (auto t = cut.cbegin(); t != cut.cend(); ++t) {
            for (auto o = t.value().cbegin(); o != t.value().cend(); ++o) {
                QStringList ps;
                for (int p : o.value())
                    ps << QString::number(p);
                const QString which = ps.size() == 1 ? QStringLiteral("partition %1").arg(ps.first())
                                                     : QStringLiteral("partitions %1").arg(joinNames(ps));
                const QString pos = reason == NotScannedReason::Retention
                    ? QStringLiteral("before offset %1").arg(o.key())
                    : QStringLiteral("from offset %1").arg(o.key());
                gaps << QStringLiteral("%1 of %2 %3 %4 %5")
                            .arg(which, t.key(), pos, ps.size() == 1 ? QStringLiteral("is") : QStringLiteral("are"),
                                 words);
            }
        }
    }
    if (!gaps.isEmpty())
        text += QStringLiteral("; ") + gaps.join(QStringLiteral("; "));
    return text + QLatin1Char('.');
}

struct Rule
{
    const char *code;
    bool (*applies)(const Facts &);
    QString (*text)(const Facts &);
};

QString timesText(int n)
{
    return n > 1 ? QStringLiteral(" %1×").arg(n) : QString();
}

QString failureText(const GroupFacts &g)
{
    const QString error = !g.lastError.isEmpty() ? g.lastError : g.record.result;
    QString t = QStringLiteral("Failed in %1%2").arg(g.group.group, timesText(std::max(g.failures, g.record.attempts)));
    if (!error.isEmpty())
        t += QStringLiteral(" with %1").arg(quoted(error));
    return t;
}

QString deadLetterPlace(const Facts &f, const QString &group)
{
    for (const TraceHop &h : f.deadLetters) {
        if (h.group == group || h.group.isEmpty())
            return QStringLiteral(", now in %1").arg(h.topic);
    }
    return {};
}

const QList<Rule> &rules()
{
    static const QList<Rule> table{
        {"not_found", [](const Facts &f) { return !f.result.found(); }, notFoundText},
        {"fails_everywhere",
         [](const Facts &f) {
             if (f.groups.size() < 2)
                 return false;
             return std::all_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return g.failedOnly(); });
         },
         [](const Facts &f) {
             QStringList errors;
             for (const GroupFacts &g : f.groups) {
                 const QString e = g.lastError.isEmpty() ? g.record.result : g.lastError;
                 if (!errors.contains(e))
                     errors << e;
             }
             if (errors.size() == 1 && !errors.first().isEmpty())
                 return QStringLiteral("Fails the same way in every consumer (%1): the source data is likely invalid.")
                     .arg(quoted(errors.first()));
             return QStringLiteral("Fails in every consumer (%1): the source data is likely invalid.")
                 .arg(joinNames(namesOf(f.groups, [](const GroupFacts &) { return true; })));
         }},
        {"fails_in_one_consumer",
         [](const Facts &f) {
             return !namesOf(f.groups, [](const GroupFacts &g) { return g.failedOnly(); }).isEmpty()
                 && !namesOf(f.groups, [](const GroupFacts &g) { return g.processedIt(); }).isEmpty();
         },
         [](const Facts &f) {
             QStringList processed;
             for (const GroupFacts &g : f.groups) {
                 if (g.processedIt())
                     processed << (g.record.attempts > 0 ? QStringLiteral("%1 (attempt %2)").arg(g.group.group).arg(g.record.attempts)
                                                         : g.group.group);
             }
             QStringList parts{QStringLiteral("Processed by %1.").arg(joinNames(processed))};
             const QStringList failing = namesOf(f.groups, [](const GroupFacts &g) { return g.failedOnly(); });
             for (const GroupFacts &g : f.groups) {
                 if (g.failedOnly())
                     parts << failureText(g) + deadLetterPlace(f, g.group.group) + QLatin1Char('.');
             }
             parts << (failing.size() == 1 ? QStringLiteral("Fails in one consumer only: look at %1.").arg(failing.first())
                                           : QStringLiteral("Fails in some consumers only: look at %1.").arg(joinNames(failing)));
             return parts.join(QLatin1Char(' '));
         }},
        {"failed",
         [](const Facts &f) { return f.groups.size() == 1 && f.groups.first().failedOnly() && f.groups.first().record.status != QLatin1String("retry_scheduled"); },
         [](const Facts &f) -> QString {
             const GroupFacts &g = f.groups.first();
             return failureText(g) + deadLetterPlace(f, g.group.group)
                 + QStringLiteral(". %1 is the only consumer checked: look at the event and at %1.").arg(g.group.group);
         }},
        {"lost_by_consumer",
         [](const Facts &f) {
             return std::any_of(f.groups.cbegin(), f.groups.cend(),
                                [](const GroupFacts &g) { return !g.record.hasRow && !g.committedPast.isEmpty(); });
         },
         [](const Facts &f) {
             QStringList parts;
             for (const GroupFacts &g : f.groups) {
                 if (!g.record.hasRow && !g.committedPast.isEmpty())
                     parts << QStringLiteral("%1 committed past %2 but has no row for it: %1 may have lost this event.")
                                  .arg(g.group.group, joinLocations(g.committedPast));
             }
             return parts.join(QLatin1Char(' '));
         }},
        {"delivered_twice",
         [](const Facts &f) {
             return f.copies.size() >= 2 && !f.groups.isEmpty()
                 && std::all_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return g.processedIt(); });
         },
         [](const Facts &f) {
             const QString copies = f.copies.size() == 2 ? QStringLiteral("twice") : QStringLiteral("%1 times").arg(f.copies.size());
             const QStringList names = namesOf(f.groups, [](const GroupFacts &) { return true; });
             const bool allSkipped = std::all_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return g.skipped > 0; });
             const QString who = names.size() == 1 ? names.first() + QStringLiteral(" processed it once")
                                                   : joinNames(names) + QStringLiteral(" each processed it once");
             return QStringLiteral("Delivered %1 (%2). %3%4")
                 .arg(copies, joinLocations(f.copies), who,
                      allSkipped ? QStringLiteral(" and skipped the copy: idempotency held.")
                                 : QStringLiteral(": idempotency held so far."));
         }},
        {"redelivered",
         [](const Facts &f) {
             return !f.groups.isEmpty()
                 && std::all_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return g.processedIt(); })
                 && std::any_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return g.skipped > 0; });
         },
         [](const Facts &f) {
             const QStringList again = namesOf(f.groups, [](const GroupFacts &g) { return g.skipped > 0; });
             return QStringLiteral("Delivered once%1, received again by %2, which skipped the copy: idempotency held.")
                 .arg(f.copies.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(joinLocations(f.copies)), joinNames(again));
         }},
        {"retrying",
         [](const Facts &f) {
             return std::any_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) {
                 return g.record.status == QLatin1String("retry_scheduled") || (g.failures > 0 && g.processed == 0 && !g.deadLettered && g.record.status != QLatin1String("dead_lettered") && g.record.status != QLatin1String("failed"));
             });
         },
         [](const Facts &f) {
             QStringList parts;
             for (const GroupFacts &g : f.groups) {
                 if (g.record.status == QLatin1String("retry_scheduled"))
                     parts << failureText(g) + QStringLiteral("; a retry is still to come.");
             }
             if (parts.isEmpty())
                 parts << QStringLiteral("Failed and a retry is still to come.");
             return parts.join(QLatin1Char(' '));
         }},
        {"store_only",
         [](const Facts &f) {
             return f.copies.isEmpty() && std::any_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return g.record.hasRow; });
         },
         [](const Facts &f) {
             QStringList who;
             for (const GroupFacts &g : f.groups) {
                 if (g.record.hasRow)
                     who << QStringLiteral("%1 (%2)").arg(g.group.group, g.record.status);
             }
             return QStringLiteral("Recorded by %1, but no copy was found on the topics read.").arg(joinNames(who));
         }},
        {"processed",
         [](const Facts &f) {
             return !f.groups.isEmpty()
                 && std::all_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return g.processedIt(); });
         },
         [](const Facts &f) {
             QStringList who;
             for (const GroupFacts &g : f.groups)
                 who << (g.record.attempts > 0 ? QStringLiteral("%1 (attempt %2)").arg(g.group.group).arg(g.record.attempts)
                                               : g.group.group);
             return QStringLiteral("Processed by %1%2.")
                 .arg(joinNames(who), f.copies.isEmpty() ? QString() : QStringLiteral(", produced at %1").arg(joinLocations(f.copies)));
         }},
        {"in_flight",
         [](const Facts &f) {
             return !f.copies.isEmpty()
                 && std::any_of(f.groups.cbegin(), f.groups.cend(), [](const GroupFacts &g) { return !g.record.hasRow; });
         },
         [](const Facts &f) {
             const QStringList waiting = namesOf(f.groups, [](const GroupFacts &g) { return !g.record.hasRow; });
             return QStringLiteral("Produced at %1; %2 %3 not reached it yet (not committed past it, no row).")
                 .arg(joinLocations(f.copies), joinNames(waiting),
                      waiting.size() == 1 ? QStringLiteral("has") : QStringLiteral("have"));
         }},
        {"incomplete", [](const Facts &) { return true; },
         [](const Facts &f) -> QString {
             return f.copies.isEmpty() ? QStringLiteral("Found, but what became of it is not known.")
                                       : QStringLiteral("Produced at %1; no consumer's store could say more.").arg(joinLocations(f.copies));
         }},
    };
    return table;
}

} // namespace

Verdict traceVerdict(const TraceResult &result)
{
    const Facts facts = gather(result);
    for (const Rule &rule : rules()) {
        if (!rule.applies(facts))
            continue;
        Verdict v{QString::fromLatin1(rule.code), rule.text(facts)};
        if (!facts.unchecked.isEmpty())
            v.text += QStringLiteral(" Could not check %1 %2.")
                          .arg(facts.unchecked.size() == 1 ? QStringLiteral("store") : QStringLiteral("stores"),
                               joinNames(facts.unchecked));
        if (!facts.logicalDuplicates.isEmpty()) {
            QStringList others;
            for (const TraceHop &h : facts.logicalDuplicates) {
                if (!others.contains(h.otherEventId))
                    others << h.otherEventId;
            }
            v.text += QStringLiteral(" The same entity and event type also appear under %1 %2 (%3): a logical duplicate.")
                          .arg(others.size() == 1 ? QStringLiteral("event_id") : QStringLiteral("event_ids"),
                               joinNames(others.mid(0, 3)) + (others.size() > 3 ? QStringLiteral(" and %1 more").arg(others.size() - 3) : QString()),
                               facts.logicalDuplicates.first().system);
        }
        return v;
    }
    return {};
}

QStringList verdictCodes()
{
    QStringList codes;
    for (const Rule &r : rules())
        codes << QString::fromLatin1(r.code);
    return codes;
}

} // namespace idem::models
