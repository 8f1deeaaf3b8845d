// Saving over a hand-written file without losing its comments and key order:
// the values that changed are edited in place, at the positions yaml-cpp's
// marks give, and everything else stays byte for byte.
//
// How: the old file's configuration and the new one are both written in the
// canonical shape (writeConfig) and compared node by node; each difference
// becomes an edit of the file's text: a scalar replaced, a map entry added
// after the last entry of its block map (at that map's indentation) or
// removed with its lines, a flow collection ([a, b], {k: v}) replaced whole.
// The result must read back as exactly the new configuration, or it is
// not used (the caller then rewrites the file and keeps a .bak).
//
// Known limits (each falls back to a rewrite): a block sequence whose length
// changes, block scalars (| and >), an entry added to an empty or flow map
// spanning lines, anchors and aliases.

#include "connectors/config/configfile.h"
#include "connectors/config/configfile_p.h"

#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace idem::connectors {

using namespace configfile;

namespace {

struct Edit
{
    qsizetype start = 0;
    qsizetype end = 0; // exclusive
    QByteArray text;
};

class Patcher
{
public:
    explicit Patcher(const QByteArray &original) : m_text(original) {}

    bool diff(const YAML::Node &oldNode, const YAML::Node &newNode, const YAML::Node &fileNode, bool inFlow);
    std::optional<QByteArray> apply() const;

private:
    bool replaceScalar(const YAML::Node &fileNode, const std::string &value, bool inFlow);
    bool replaceFlow(const YAML::Node &fileNode, const YAML::Node &newNode);
    bool addEntry(const YAML::Node &fileMap, const std::string &key, const YAML::Node &value);
    bool removeEntry(const YAML::Node &fileMap, const std::string &key);

    // Line helpers over m_text.
    qsizetype lineStart(qsizetype pos) const;
    qsizetype lineEnd(qsizetype pos) const; // position of '\n' or size
    // The last line (its start) that belongs to the entry whose key starts at
    // `keyPos`, in a block map whose keys are at `column`.
    qsizetype entryLastLine(qsizetype keyPos, int column) const;

    QByteArray m_text;
    std::vector<Edit> m_edits;
};

std::optional<std::pair<YAML::Node, YAML::Node>> findEntry(const YAML::Node &map, const std::string &key)
{
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == key)
            return std::make_pair(it->first, it->second);
    }
    return std::nullopt;
}

QByteArray scalarText(const std::string &value, bool inFlow)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./@+-][A-Za-z0-9_./@:+ =-]*$"));
    static const QRegularExpression special(
        QStringLiteral("^(?:true|false|yes|no|on|off|null|~|y|n)$"), QRegularExpression::CaseInsensitiveOption);
    const QString text = QString::fromStdString(value);
    const bool safe = !text.isEmpty() && plain.match(text).hasMatch() && !text.endsWith(u' ')
        && !text.contains(QLatin1String(": ")) && !text.endsWith(u':') && !special.match(text).hasMatch();
    Q_UNUSED(inFlow) // the plain set above holds nothing a flow collection treats specially
    if (safe)
        return text.toUtf8();
    QByteArray out = "\"";
    for (const char c : value) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                out += QByteArray("\\x") + QByteArray::number(static_cast<unsigned char>(c), 16).rightJustified(2, '0');
            else
                out += c;
        }
    }
    return out + '"';
}

// The node in block style, as lines without indentation.
QByteArray blockText(const std::string &key, const YAML::Node &value)
{
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::BeginMap << YAML::Key << key << YAML::Value << value << YAML::EndMap;
    return QByteArray(out.c_str(), qsizetype(out.size()));
}

QByteArray flowText(const YAML::Node &value)
{
    YAML::Emitter out;
    out << YAML::Flow << value;
    return QByteArray(out.c_str(), qsizetype(out.size()));
}

qsizetype Patcher::lineStart(qsizetype pos) const
{
    const qsizetype nl = m_text.lastIndexOf('\n', pos - 1);
    return nl < 0 ? 0 : nl + 1;
}

qsizetype Patcher::lineEnd(qsizetype pos) const
{
    const qsizetype nl = m_text.indexOf('\n', pos);
    return nl < 0 ? m_text.size() : nl;
}

qsizetype Patcher::entryLastLine(qsizetype keyPos, int column) const
{
    qsizetype last = lineStart(keyPos);
    qsizetype line = lineEnd(keyPos) + 1;
    while (line < m_text.size()) {
        const qsizetype end = lineEnd(line);
        const QByteArray content = m_text.mid(line, end - line);
        const QByteArray trimmed = content.trimmed();
        if (!trimmed.isEmpty() && !trimmed.startsWith('#')) {
            qsizetype indent = 0;
            while (indent < content.size() && content[indent] == ' ')
                ++indent;
            if (indent <= column)
                break;
            last = line;
        }
        line = end + 1;
    }
    return last;
}

bool Patcher::replaceScalar(const YAML::Node &fileNode, const std::string &value, bool inFlow)
{
    if (!fileNode.IsScalar())
        return false;
    const qsizetype start = fileNode.Mark().pos;
    if (start < 0 || start >= m_text.size())
        return false;
    const char first = m_text[start];
    qsizetype end = start;
    if (first == '"') {
        end = start + 1;
        while (end < m_text.size() && m_text[end] != '"') {
            if (m_text[end] == '\\')
                ++end;
            ++end;
        }
        if (end >= m_text.size())
            return false;
        ++end;
    } else if (first == '\'') {
        end = start + 1;
        while (end < m_text.size()) {
            if (m_text[end] == '\'') {
                if (end + 1 < m_text.size() && m_text[end + 1] == '\'') {
                    end += 2;
                    continue;
                }
                break;
            }
            ++end;
        }
        if (end >= m_text.size())
            return false;
        ++end;
    } else if (first == '|' || first == '>' || first == '&' || first == '*' || first == '!') {
        return false;
    } else {
        const qsizetype stop = lineEnd(start);
        end = start;
        while (end < stop) {
            const char c = m_text[end];
            if (c == '#' && end > start && (m_text[end - 1] == ' ' || m_text[end - 1] == '\t'))
                break;
            if (inFlow && (c == ',' || c == ']' || c == '}'))
                break;
            ++end;
        }
        while (end > start && (m_text[end - 1] == ' ' || m_text[end - 1] == '\t' || m_text[end - 1] == '\r'))
            --end; // a CRLF file keeps its line ends
    }
    // The file's own quoting is kept where the new value allows it.
    QByteArray text = scalarText(value, inFlow);
    if (first == '"' && !text.startsWith('"'))
        text = '"' + text + '"';
    else if (first == '\'' && !text.startsWith('"'))
        text = '\'' + text + '\'';
    m_edits.push_back({start, end, text});
    return true;
}

bool Patcher::replaceFlow(const YAML::Node &fileNode, const YAML::Node &newNode)
{
    if (!(fileNode.IsSequence() || fileNode.IsMap()) || fileNode.Style() != YAML::EmitterStyle::Flow)
        return false;
    const qsizetype start = fileNode.Mark().pos;
    if (start < 0 || start >= m_text.size() || (m_text[start] != '[' && m_text[start] != '{'))
        return false;
    int depth = 0;
    char quote = 0;
    qsizetype end = start;
    for (; end < m_text.size(); ++end) {
        const char c = m_text[end];
        if (quote) {
            if (c == '\\' && quote == '"')
                ++end;
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '#' && end > 0 && m_text[end - 1] == ' ')
            return false; // a comment inside a flow collection: not edited
        else if (c == '[' || c == '{')
            ++depth;
        else if ((c == ']' || c == '}') && --depth == 0)
            break;
    }
    if (end >= m_text.size())
        return false;
    m_edits.push_back({start, end + 1, flowText(newNode)});
    return true;
}

bool Patcher::addEntry(const YAML::Node &fileMap, const std::string &key, const YAML::Node &value)
{
    if (fileMap.Style() == YAML::EmitterStyle::Flow)
        return replaceFlow(fileMap, [&] {
            YAML::Node copy = YAML::Clone(fileMap);
            copy[key] = value;
            return copy;
        }());
    if (fileMap.size() == 0)
        return false;
    YAML::Node lastKey;
    for (auto it = fileMap.begin(); it != fileMap.end(); ++it) {
        if (!lastKey || it->first.Mark().pos > lastKey.Mark().pos)
            lastKey = it->first;
    }
    const int column = lastKey.Mark().column;
    const qsizetype last = entryLastLine(lastKey.Mark().pos, column);
    const qsizetype insertAt = lineEnd(last);
    const QByteArray indent(column, ' ');
    QByteArray text;
    for (const QByteArray &line : blockText(key, value).split('\n'))
        text += '\n' + indent + line;
    m_edits.push_back({insertAt, insertAt, text});
    return true;
}

bool Patcher::removeEntry(const YAML::Node &fileMap, const std::string &key)
{
    const auto entry = findEntry(fileMap, key);
    if (!entry)
        return false;
    if (fileMap.Style() == YAML::EmitterStyle::Flow) {
        YAML::Node copy(YAML::NodeType::Map);
        for (auto it = fileMap.begin(); it != fileMap.end(); ++it) {
            if (it->first.Scalar() != key)
                copy[it->first] = it->second;
        }
        copy.SetStyle(YAML::EmitterStyle::Flow);
        return replaceFlow(fileMap, copy);
    }
    if (fileMap.size() < 2)
        return false; // the map would become empty: its key would read as null
    const qsizetype keyPos = entry->first.Mark().pos;
    const qsizetype first = lineStart(keyPos);
    if (m_text.mid(first, keyPos - first).trimmed().size() != 0)
        return false; // the key shares its line (a sequence item "- key: …")
    const qsizetype last = entryLastLine(keyPos, entry->first.Mark().column);
    const qsizetype end = std::min(lineEnd(last) + 1, m_text.size());
    m_edits.push_back({first, end, QByteArray()});
    return true;
}

bool Patcher::diff(const YAML::Node &oldNode, const YAML::Node &newNode, const YAML::Node &fileNode, bool inFlow)
{
    if (!fileNode.IsDefined())
        return false;
    if (oldNode.Type() != newNode.Type())
        return replaceFlow(fileNode, newNode);
    const bool flow = inFlow || fileNode.Style() == YAML::EmitterStyle::Flow;
    switch (newNode.Type()) {
    case YAML::NodeType::Scalar:
        if (oldNode.Scalar() == newNode.Scalar())
            return true;
        return replaceScalar(fileNode, newNode.Scalar(), inFlow);
    case YAML::NodeType::Sequence:
        if (oldNode.size() != newNode.size() || !fileNode.IsSequence() || fileNode.size() != oldNode.size())
            return replaceFlow(fileNode, newNode);
        for (std::size_t i = 0; i < newNode.size(); ++i) {
            if (!diff(oldNode[i], newNode[i], fileNode[i], flow))
                return false;
        }
        return true;
    case YAML::NodeType::Map: {
        if (!fileNode.IsMap())
            return false;
        for (auto it = oldNode.begin(); it != oldNode.end(); ++it) {
            const std::string key = it->first.Scalar();
            if (!findEntry(newNode, key)) {
                if (!removeEntry(fileNode, key))
                    return false;
            }
        }
        for (auto it = newNode.begin(); it != newNode.end(); ++it) {
            const std::string key = it->first.Scalar();
            const auto before = findEntry(oldNode, key);
            const auto inFile = findEntry(fileNode, key);
            if (!before) {
                // A default the file wrote out is edited where it stands.
                if (inFile) {
                    if (!(it->second.IsScalar() && replaceScalar(inFile->second, it->second.Scalar(), flow)))
                        return false;
                } else if (!addEntry(fileNode, key, it->second)) {
                    return false;
                }
                continue;
            }
            if (!inFile || !diff(before->second, it->second, inFile->second, flow))
                return false;
        }
        return true;
    }
    default:
        return oldNode.Type() == newNode.Type();
    }
}

std::optional<QByteArray> Patcher::apply() const
{
    // From the end of the text backwards; of two insertions at one place the later goes in first,
    // so that they end up in the order they were made.
    std::vector<std::pair<std::size_t, Edit>> indexed;
    for (std::size_t i = 0; i < m_edits.size(); ++i)
        indexed.emplace_back(i, m_edits[i]);
    std::sort(indexed.begin(), indexed.end(), [](const auto &a, const auto &b) {
        return a.second.start != b.second.start ? a.second.start > b.second.start : a.first > b.first;
    });
    std::vector<Edit> edits;
    for (auto &[i, edit] : indexed)
        edits.push_back(std::move(edit));
    QByteArray out = m_text;
    qsizetype limit = out.size();
    for (const Edit &edit : edits) {
        if (edit.end > limit)
            return std::nullopt; // overlapping edits
        out.replace(edit.start, edit.end - edit.start, edit.text);
        limit = edit.start;
    }
    return out;
}

} // namespace

std::optional<QByteArray> patchConfigText(const QByteArray &original, const Config &config)
{
    Config wanted = config;
    wanted.sourcePath.clear();
    auto before = parseConfig(original, QStringLiteral("the file"), VariableCheck::Skipped);
    if (!before)
        return std::nullopt;
    if (before.value() == wanted)
        return original;
    try {
        if (original.contains('&') && original.contains('*'))
            return std::nullopt; // anchors and aliases: an edit could change what an alias repeats
        const YAML::Node file = YAML::Load(original.toStdString());
        const YAML::Node oldCanonical = YAML::Load(writeConfig(before.value()).toStdString());
        const YAML::Node newCanonical = YAML::Load(writeConfig(wanted).toStdString());
        Patcher patcher(original);
        if (!patcher.diff(oldCanonical, newCanonical, file, false))
            return std::nullopt;
        auto patched = patcher.apply();
        if (!patched)
            return std::nullopt;
        // Used only when it reads back as exactly what was asked for.
        const auto back = parseConfig(*patched, QStringLiteral("the file"), VariableCheck::Skipped);
        if (!back || !(back.value() == wanted))
            return std::nullopt;
        return patched;
    } catch (const YAML::Exception &) {
        return std::nullopt;
    }
}

} // namespace idem::connectors
