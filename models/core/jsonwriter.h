#pragma once

// Writes compact JSON straight into bytes, exactly as QJsonDocument's
// Compact format writes the same values (numbers, escapes, UTF-8), for
// reports too large to build as QJsonObject trees first (idemctl lag at a
// thousand flows: five megabytes). Keys are written in the order given:
// give them in QJsonObject's order (sorted) where the output must not
// change.

#include <QByteArray>
#include <QString>

#include <optional>

namespace idem::models {

class JsonWriter final
{
public:
    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }
    // The key of the next value in the open object.
    void key(const char *name);

    void value(const QString &text);
    void value(qint64 number);
    void value(int number) { value(qint64(number)); }
    void value(double number);
    void value(bool flag);
    void null();
    // null when unset.
    void value(const std::optional<double> &number);

    const QByteArray &bytes() const { return m_out; }
    void reserve(qsizetype size) { m_out.reserve(size); }

private:
    void open(char bracket);
    void close(char bracket);
    void separate();

    QByteArray m_out;
    bool m_first = true;    // no value yet in the open object or array
    bool m_afterKey = false; // a key was written: its value follows without a comma
};

} // namespace idem::models
