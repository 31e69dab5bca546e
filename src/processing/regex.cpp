#define PCRE2_CODE_UNIT_WIDTH 8
#include "processing/regex.h"

#include <pcre2.h>

#include <algorithm>

namespace logcap {

struct Regex::Compiled {
  pcre2_code* code = nullptr;
  std::string pattern;
  RegexOptions options;
  uint32_t group_count = 0;
  std::vector<std::pair<std::string, uint32_t>> named;
  ~Compiled() { pcre2_code_free(code); }
};

namespace {

// Per thread: one match context with the limits, one JIT stack, and match data large enough for
// every pattern (grown when a pattern has more groups). Never freed before the thread ends.
struct ThreadMatchState {
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  pcre2_match_data* data = nullptr;
  uint32_t data_pairs = 0;
  uint32_t match_limit = 0;
  uint32_t depth_limit = 0;

  ThreadMatchState() {
    context = pcre2_match_context_create(nullptr);
    // 32 KiB to 1 MiB: the JIT stack bounds how deep a JIT match may recurse.
    jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~ThreadMatchState() {
    pcre2_match_data_free(data);
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
  }
  pcre2_match_data* DataFor(uint32_t pairs) {
    if (pairs > data_pairs) {
      pcre2_match_data_free(data);
      data_pairs = std::max<uint32_t>(pairs, 32);
      data = pcre2_match_data_create(data_pairs, nullptr);
    }
    return data;
  }
  void SetLimits(const RegexOptions& options) {
    if (options.match_limit != match_limit) {
      pcre2_set_match_limit(context, options.match_limit);
      match_limit = options.match_limit;
    }
    if (options.depth_limit != depth_limit) {
      pcre2_set_depth_limit(context, options.depth_limit);
      depth_limit = options.depth_limit;
    }
  }
};

ThreadMatchState& MatchState() {
  thread_local ThreadMatchState state;
  return state;
}

}  // namespace

std::optional<Regex> Regex::Compile(std::string_view pattern, const RegexOptions& options, std::string* error) {
  uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
  if (options.caseless) flags |= PCRE2_CASELESS;
  int code_error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), flags, &code_error,
                                   &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code_error, message, sizeof(message));
    if (error != nullptr) {
      *error = "invalid regular expression at offset " + std::to_string(error_offset) + ": " +
               reinterpret_cast<const char*>(message);
    }
    return std::nullopt;
  }
  // JIT is an optimisation only: a pattern JIT cannot compile still runs in the interpreter.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto compiled = std::make_shared<Compiled>();
  compiled->code = code;
  compiled->pattern = std::string(pattern);
  compiled->options = options;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &compiled->group_count);
  uint32_t name_count = 0, entry_size = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &name_count);
  pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
  pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
  for (uint32_t i = 0; i < name_count; ++i) {
    PCRE2_SPTR entry = table + i * entry_size;
    uint32_t number = (static_cast<uint32_t>(entry[0]) << 8) | entry[1];
    compiled->named.emplace_back(reinterpret_cast<const char*>(entry + 2), number);
  }
  std::sort(compiled->named.begin(), compiled->named.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  return Regex(std::move(compiled));
}

Regex::Result Regex::Search(std::string_view subject, std::vector<Group>* groups, size_t start) const {
  ThreadMatchState& state = MatchState();
  state.SetLimits(compiled_->options);
  pcre2_match_data* data = state.DataFor(compiled_->group_count + 1);
  int rc = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), start, 0, data,
                       state.context);
  if (rc == PCRE2_ERROR_NOMATCH) return Result::kNoMatch;
  if (rc < 0) return Result::kLimit;  // match/depth/heap limit, JIT stack: bounded cost, no match
  if (groups != nullptr) {
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
    groups->resize(compiled_->group_count + 1);
    for (uint32_t i = 0; i <= compiled_->group_count; ++i) {
      Group& g = (*groups)[i];
      // Groups past rc did not take part in the match (PCRE2 leaves them unset).
      if (static_cast<int>(i) < rc && ovector[2 * i] != PCRE2_UNSET) {
        g.begin = ovector[2 * i];
        g.end = ovector[2 * i + 1];
      } else {
        g = Group{};
      }
    }
  }
  return Result::kMatch;
}

uint32_t Regex::group_count() const { return compiled_->group_count; }
const std::vector<std::pair<std::string, uint32_t>>& Regex::named_groups() const { return compiled_->named; }
const std::string& Regex::pattern() const { return compiled_->pattern; }

}  // namespace logcap
