#include "app/api_routes.h"

#include "app/agent.h"
#include "server/http_server.h"
#include "sources/http/http_ingest_source.h"
#include "telemetry/metrics.h"

namespace logcap {

void RegisterApiRoutes(HttpServer& server, Agent& agent, const MetricsConfig& metrics, HttpIngestSource* ingest) {
  if (ingest != nullptr) {
    server.Route("POST", "/api/v1/logs", [ingest](const HttpRequest& request) {
      IngestResponse result = ingest->Ingest(request.body);
      HttpResponse response = HttpResponse::Json(result.status, std::move(result.json));
      if (result.status == 429) response.headers.emplace_back("Retry-After", "1");
      return response;
    });
  }
  server.Route("GET", "/health", [&agent](const HttpRequest&) {
    HealthReport report = agent.Health();
    return HttpResponse::Json(report.healthy ? 200 : 503, std::move(report.json));
  });
  server.Route("GET", "/ready", [&agent](const HttpRequest&) {
    return agent.ready() ? HttpResponse::Json(200, "{\"status\":\"ready\"}")
                         : HttpResponse::Json(503, "{\"status\":\"not ready\"}");
  });
  if (metrics.enabled) {
    server.Route("GET", metrics.path, [&agent](const HttpRequest&) {
      HttpResponse response = HttpResponse::Text(200, agent.metrics().Serialize());
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return response;
    });
  }
  server.Route("GET", "/api/v1/stats", [&agent](const HttpRequest&) { return HttpResponse::Json(200, agent.StatsJson()); });
  server.Route("POST", "/config/reload", [&agent](const HttpRequest&) {
    ReloadOutcome outcome = agent.Reload();
    return HttpResponse::Json(outcome.ok ? 200 : 400, outcome.ToJson());
  });
}

}  // namespace logcap
