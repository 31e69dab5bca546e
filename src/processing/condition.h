// Condition: when a step applies to an event (a step's `condition:` key; the `drop` step's test).
//
// Forms (docs/processing.md):
//   condition: "regex"                               the message matches (the original system's form)
//   condition: {field: status, equals: "500"}         equals: one value or a list (any of them)
//   condition: {label: container_name, matches: "^web-"}
//   condition: {field: user, exists: true}            exists: false = absent
//   condition: {level_at_least: warn}                 trace < debug < info < warn < error < fatal
//   condition: {all: [...]} | {any: [...]} | {not: {...}}
// `field:` takes any reference (processing/event_record.h): a field, else a label; `label:` only
// labels (the event's, else its source's); `message:`/`level:` etc. are references too.
//
// Contract: a condition that cannot be evaluated (the field is missing for equals/matches, the
// regex hit its match limit, the event has no level) is false, never an error. Compiled once;
// Evaluate is const and thread-safe (regex scratch is per thread).
#pragma once

#include <memory>
#include <string>

#include "config/config_tree.h"
#include "config/load_context.h"
#include "processing/event_record.h"

namespace logcap {

class Condition {
 public:
  virtual ~Condition() = default;
  virtual bool Evaluate(EventRecord& record) const = 0;
};

// Compiles a condition tree; reports problems to ctx with `where` ("pipeline 'x' step 'y'") and
// returns nullptr when it is unusable.
std::unique_ptr<Condition> CompileCondition(const ConfigTree& tree, const std::string& where, LoadContext& ctx);

}  // namespace logcap
