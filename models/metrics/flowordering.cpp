#include "models/metrics/flowordering.h"

#include <algorithm>

namespace idem::models {

bool naturalLess(const QString &a, const QString &b)
{
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            // Compare the digit runs as numbers of any length: without
            // leading zeros, the longer run is the larger; else digit by digit.
            qsizetype iEnd = i;
            qsizetype jEnd = j;
            while (iEnd < a.size() && a[iEnd].isDigit())
                ++iEnd;
            while (jEnd < b.size() && b[jEnd].isDigit())
                ++jEnd;
            qsizetype iStart = i;
            qsizetype jStart = j;
            while (iStart + 1 < iEnd && a[iStart] == u'0')
                ++iStart;
            while (jStart + 1 < jEnd && b[jStart] == u'0')
                ++jStart;
            const qsizetype iLen = iEnd - iStart;
            const qsizetype jLen = jEnd - jStart;
            if (iLen != jLen)
                return iLen < jLen;
            const int c = QStringView(a).mid(iStart, iLen).compare(QStringView(b).mid(jStart, jLen));
            if (c != 0)
                return c < 0;
            i = iEnd;
            j = jEnd;
            continue;
        }
        const QChar ca = a[i].toCaseFolded();
        const QChar cb = b[j].toCaseFolded();
        if (ca != cb)
            return ca < cb;
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j))
        return (a.size() - i) < (b.size() - j);
    return a < b; // equal but for case or leading zeros: a stable, exact tie-break
}

QStringList orderByTrouble(QList<FlowTrouble> flows)
{
    std::stable_sort(flows.begin(), flows.end(), [](const FlowTrouble &x, const FlowTrouble &y) {
        const int sx = lagStatusSeverity(x.status);
        const int sy = lagStatusSeverity(y.status);
        if (sx != sy)
            return sx > sy;
        if (x.figuresAboveThreshold != y.figuresAboveThreshold)
            return x.figuresAboveThreshold > y.figuresAboveThreshold;
        return naturalLess(x.flow, y.flow);
    });
    QStringList names;
    for (const FlowTrouble &f : flows)
        names << f.flow;
    return names;
}

} // namespace idem::models
