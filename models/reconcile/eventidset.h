#pragma once

// A set of event_ids that keeps the order they were added in: their UTF-8
// bytes back to back, each found again through a hash of its bytes (open
// addressing). A reconcile holds a million of them: as QStrings in a QList
// with a QHash<QString, index> beside it they took about 150 bytes each and
// a microsecond an insert; here about 30 bytes and a tenth of that.
//
// Ids are compared byte for byte: callers hand them in one form (the UTF-8
// of the QString a decoder gives, or the same bytes read directly).
//
// Not thread-safe; a set that no longer changes may be read from any thread.

#include <QByteArrayView>
#include <QString>

#include <vector>

namespace idem::models {

class EventIdSet final
{
public:
    qsizetype size() const { return qsizetype(m_ends.size()); }
    bool isEmpty() const { return m_ends.empty(); }

    // The i-th id added (0 <= i < size()); valid until the next insert.
    QByteArrayView at(qsizetype i) const
    {
        const qint64 begin = i ? m_ends[size_t(i - 1)] : 0;
        return {m_bytes.data() + begin, qsizetype(m_ends[size_t(i)] - begin)};
    }
    // As text: the QString whose toUtf8() it is (a leading U+FEFF kept, which
    // QString::fromUtf8 would drop as a byte order mark).
    QString text(qsizetype i) const;

    // Its index, or -1.
    qsizetype indexOf(QByteArrayView id) const;
    bool contains(QByteArrayView id) const { return indexOf(id) >= 0; }
    bool contains(const QString &id) const { return contains(QByteArrayView(id.toUtf8())); }

    // The index of `id`, added at the end when new (*added says whether it was).
    qsizetype insert(QByteArrayView id, bool *added = nullptr);
    qsizetype insert(const QString &id, bool *added = nullptr) { return insert(QByteArrayView(id.toUtf8()), added); }

    void reserve(qsizetype ids, qsizetype bytes);
    void clear();
    // Bytes held (for the benchmarks' accounting).
    qsizetype memoryUse() const;

private:
    static quint64 hashOf(QByteArrayView id);
    void rehash(size_t slotCount);

    std::vector<char> m_bytes; // every id's bytes, back to back
    std::vector<qint64> m_ends; // where each id ends in m_bytes
    std::vector<quint32> m_hashes; // each id's hash (low bits), to compare and rehash without the bytes
    std::vector<quint32> m_slots; // index + 1 of the id in each slot, 0: free; a power of two, at most half full
};

} // namespace idem::models
