// The agent's HTTP API (CONTRACT §5): /health, /ready, the metrics path, /api/v1/stats and
// POST /config/reload and POST /api/v1/logs. Handlers are short: they never wait on the pipeline.
#pragma once

#include "config/config.h"

namespace logcap {

class Agent;
class HttpIngestSource;
class HttpServer;

// agent and ingest must outlive server. ingest may be null (then POST /api/v1/logs is not served).
void RegisterApiRoutes(HttpServer& server, Agent& agent, const MetricsConfig& metrics, HttpIngestSource* ingest);

}  // namespace logcap
