#include "sinks/local_file/filename_pattern.h"

namespace logcap {

namespace {

struct VarName {
  std::string_view name;
  FilenamePattern::Var var;
};
constexpr VarName kVars[] = {
    {"date", FilenamePattern::Var::kDate},
    {"source_type", FilenamePattern::Var::kSourceType},
    {"source_name", FilenamePattern::Var::kSourceName},
    {"container_name", FilenamePattern::Var::kContainerName},
};

Status PatternError(std::string_view pattern, std::string_view why) {
  std::string msg = "sinks.local_file.filename_pattern \"";
  msg.append(pattern);
  msg += "\": ";
  msg.append(why);
  return Status::InvalidArgument(msg);
}

}  // namespace

Status FilenamePattern::Parse(std::string_view pattern, FilenamePattern* out) {
  if (pattern.empty()) return PatternError(pattern, "must not be empty");
  if (pattern.front() == '/') return PatternError(pattern, "must be relative to sinks.local_file.directory");
  std::vector<Segment> segments;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      const size_t close = pattern.find('}', i);
      if (close == std::string_view::npos) return PatternError(pattern, "'{' without a closing '}'");
      const std::string_view name = pattern.substr(i + 1, close - i - 1);
      bool known = false;
      for (const VarName& v : kVars) {
        if (v.name == name) {
          segments.push_back(Segment{v.var, {}});
          known = true;
        }
      }
      if (!known) {
        return PatternError(pattern, "unknown variable {" + std::string(name) +
                                         "}; known: {date}, {source_type}, {source_name}, {container_name}");
      }
      i = close + 1;
    } else {
      const size_t next = pattern.find('{', i);
      const size_t stop = next == std::string_view::npos ? pattern.size() : next;
      segments.push_back(Segment{Var::kLiteral, std::string(pattern.substr(i, stop - i))});
      i = stop;
    }
  }
  // Path segments made only of literal text must not be empty, "." or "..".
  std::string shape;
  for (const Segment& s : segments) shape += s.var == Var::kLiteral ? s.text : std::string("x");
  size_t start = 0;
  for (;;) {
    const size_t slash = shape.find('/', start);
    const std::string_view part =
        std::string_view(shape).substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty()) return PatternError(pattern, "has an empty path segment");
    if (part == "." || part == "..") return PatternError(pattern, "must not contain \".\" or \"..\" segments");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  out->segments_ = std::move(segments);
  return Status::Ok();
}

bool FilenamePattern::Uses(Var var) const {
  for (const Segment& s : segments_)
    if (s.var == var) return true;
  return false;
}

void FilenamePattern::Render(std::string_view date, const SourceInfo* source, std::string_view container_name,
                             std::string& out) const {
  for (const Segment& s : segments_) {
    switch (s.var) {
      case Var::kLiteral: out += s.text; break;
      case Var::kDate: AppendSanitizedPathValue(date, out); break;
      case Var::kSourceType: AppendSanitizedPathValue(source ? std::string_view(source->type) : "", out); break;
      case Var::kSourceName: AppendSanitizedPathValue(source ? std::string_view(source->name) : "", out); break;
      case Var::kContainerName: AppendSanitizedPathValue(container_name, out); break;
    }
  }
}

void AppendSanitizedPathValue(std::string_view value, std::string& out) {
  if (value.empty()) {
    out += "unknown";
    return;
  }
  if (value.size() > FilenamePattern::kMaxValueBytes) value = value.substr(0, FilenamePattern::kMaxValueBytes);
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const bool bad = c == '/' || c < 0x20 || c == 0x7f || (i == 0 && c == '.');
    out.push_back(bad ? '_' : static_cast<char>(c));
  }
}

}  // namespace logcap
