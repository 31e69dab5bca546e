#include "app/api_routes.h"

#include <rapidjson/document.h>

#include <string>

#include "app/agent.h"
#include "core/json_object.h"
#include "server/http_server.h"
#include "sources/http/http_ingest_source.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

HttpResponse ErrorJson(int status, const std::string& message) {
  return HttpResponse::Json(status, JsonObject().AddString("error", message).Take());
}

// POST /api/v1/dlq/replay body: {"sink": "http", "reason": "bad_request", "max_entries": 1000},
// every key optional ("" or absent = any; no max = all).
HttpResponse StartReplay(Agent& agent, const HttpRequest& request) {
  std::string sink, reason;
  uint64_t max_entries = UINT64_MAX;
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    rapidjson::Document doc;
    doc.Parse(request.body.data(), request.body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return ErrorJson(400, "the body must be a JSON object: {\"sink\": ..., \"reason\": ..., \"max_entries\": ...}");
    }
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      const std::string key = it->name.GetString();
      if ((key == "sink" || key == "reason") && it->value.IsString()) {
        (key == "sink" ? sink : reason) = it->value.GetString();
      } else if (key == "max_entries" && it->value.IsUint64() && it->value.GetUint64() > 0) {
        max_entries = it->value.GetUint64();
      } else {
        return ErrorJson(400, "unknown or ill-typed key '" + key +
                                  "' (expected sink: string, reason: string, max_entries: positive integer)");
      }
    }
  }
  Status s = agent.StartDlqReplay(sink, reason, max_entries);
  if (s.ok()) return HttpResponse::Json(202, "{\"status\":\"started\",\"progress\":\"GET /api/v1/dlq\"}");
  const int status = s.code() == Status::Code::kInvalidArgument ? 400 : s.code() == Status::Code::kUnavailable ? 409 : 500;
  return ErrorJson(status, s.message());
}

}  // namespace

void RegisterApiRoutes(HttpServer& server, Agent& agent, const MetricsConfig& metrics, HttpIngestSource* ingest) {
  if (ingest != nullptr) {
    server.RouteAsync("POST", "/api/v1/logs", [ingest](const HttpRequest& request, HttpResponder respond) {
      ingest->Ingest(request.body, [respond](IngestResponse result) {
        HttpResponse response = HttpResponse::Json(result.status, std::move(result.json));
        if (result.status == 429) response.headers.emplace_back("Retry-After", "1");
        respond(std::move(response));
      });
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
  server.Route("GET", "/api/v1/dlq", [&agent](const HttpRequest&) { return HttpResponse::Json(200, agent.DlqStatsJson()); });
  server.Route("POST", "/api/v1/dlq/replay", [&agent](const HttpRequest& request) { return StartReplay(agent, request); });
  server.Route("POST", "/config/reload", [&agent](const HttpRequest&) {
    ReloadOutcome outcome = agent.Reload();
    return HttpResponse::Json(outcome.ok ? 200 : 400, outcome.ToJson());
  });
}

}  // namespace logcap
