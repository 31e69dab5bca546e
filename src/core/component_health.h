// ComponentHealth: what a source or sink adds to GET /health about the far side it depends on
// (e.g. the Kafka brokers it can reach). A component that reports nothing is healthy.
#pragma once

#include <string>

namespace logcap {

struct ComponentHealth {
  bool ok = true;
  std::string detail_json;  // a JSON object with the component's own figures; "" when none
};

}  // namespace logcap
