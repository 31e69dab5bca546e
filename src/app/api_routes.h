// The agent's HTTP API (CONTRACT §5): /health, /ready, the metrics path, /api/v1/stats and
// POST /config/reload. Handlers are short: they read counters and return.
#pragma once

#include "config/config.h"

namespace logcap {

class Agent;
class HttpServer;

// agent must outlive server.
void RegisterApiRoutes(HttpServer& server, Agent& agent, const MetricsConfig& metrics);

}  // namespace logcap
