#include "models/reconcile/eventidset.h"

#include <QHashFunctions>
#include <QStringDecoder>

#include <cstring>

namespace idem::models {

quint64 EventIdSet::hashOf(QByteArrayView id)
{
    return quint64(qHashBits(id.data(), size_t(id.size()), 0x9e3779b97f4a7c15ull));
}

QString EventIdSet::text(qsizetype i) const
{
    const QByteArrayView id = at(i);
    if (!id.startsWith("\xef\xbb\xbf"))
        return QString::fromUtf8(id);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    return decoder.decode(id);
}

qsizetype EventIdSet::indexOf(QByteArrayView id) const
{
    if (m_slots.empty())
        return -1;
    const quint64 h = hashOf(id);
    const size_t mask = m_slots.size() - 1;
    for (size_t s = size_t(quint32(h)) & mask;; s = (s + 1) & mask) {
        const quint32 slot = m_slots[s];
        if (slot == 0)
            return -1;
        const qsizetype i = qsizetype(slot - 1);
        if (m_hashes[size_t(i)] == quint32(h) && at(i) == id)
            return i;
    }
}

qsizetype EventIdSet::insert(QByteArrayView id, bool *added)
{
    if ((m_ends.size() + 1) * 2 > m_slots.size())
        rehash(std::max<size_t>(1024, m_slots.size() * 2));
    const quint64 h = hashOf(id);
    const size_t mask = m_slots.size() - 1;
    size_t s = size_t(quint32(h)) & mask;
    for (;; s = (s + 1) & mask) {
        const quint32 slot = m_slots[s];
        if (slot == 0)
            break;
        const qsizetype i = qsizetype(slot - 1);
        if (m_hashes[size_t(i)] == quint32(h) && at(i) == id) {
            if (added)
                *added = false;
            return i;
        }
    }
    const qsizetype index = size();
    m_bytes.insert(m_bytes.end(), id.data(), id.data() + id.size());
    m_ends.push_back(qint64(m_bytes.size()));
    m_hashes.push_back(quint32(h));
    m_slots[s] = quint32(index + 1);
    if (added)
        *added = true;
    return index;
}

void EventIdSet::rehash(size_t slotCount)
{
    m_slots.assign(slotCount, 0);
    const size_t mask = slotCount - 1;
    for (size_t i = 0; i < m_ends.size(); ++i) {
        // The low 32 bits of the hash choose the slot (indices are 32-bit too).
        size_t s = size_t(m_hashes[i]) & mask;
        while (m_slots[s] != 0)
            s = (s + 1) & mask;
        m_slots[s] = quint32(i + 1);
    }
}

void EventIdSet::reserve(qsizetype ids, qsizetype bytes)
{
    m_bytes.reserve(size_t(bytes));
    m_ends.reserve(size_t(ids));
    m_hashes.reserve(size_t(ids));
    size_t slotCount = 1024;
    while (slotCount < size_t(ids) * 2)
        slotCount *= 2;
    if (slotCount > m_slots.size())
        rehash(slotCount);
}

void EventIdSet::clear()
{
    *this = EventIdSet();
}

qsizetype EventIdSet::memoryUse() const
{
    return qsizetype(m_bytes.capacity() + m_ends.capacity() * sizeof(qint64) + m_hashes.capacity() * sizeof(quint32)
                     + m_slots.capacity() * sizeof(quint32));
}

} // namespace idem::models
