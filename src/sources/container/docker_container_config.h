// ParseDockerContainerConfig: the metadata of a Docker container, from the file Docker keeps for it
// at <docker_root>/containers/<id>/config.v2.json, without asking the Engine API.
//
// The file is one JSON object of several KiB (network settings, mounts, environment, ...). Only
// these keys are read; everything else is skipped:
//   ID                    required string            -> id
//   Name                  required string ("/web-1") -> name, without its leading '/'
//   State                 required object
//     Running             bool                       -> running (absent: false)
//   Config                required object
//     Image               string ("nginx:1.25")      -> image (as the container was created with it)
//     Labels              object of strings, or null -> labels
//     Hostname            string                     -> hostname
//     Tty                 bool                       -> tty (stdout and stderr are one stream)
//   Image                 string ("sha256:...")      -> image_id
//   LogPath               string                     -> log_path
// Absent optional keys leave their field empty; null is taken as absent. compose_project and
// compose_service are copies of the labels com.docker.compose.project / .service (empty without).
//
// Failure: invalid JSON (including content after the object), a top level that is not an object, a
// missing required key or a known key of the wrong type returns Status::InvalidArgument naming it;
// *out is then unspecified. Never throws.
//
// Cost: allocates (strings, labels); meant for once per container, not per line.
#pragma once

#include <string>
#include <string_view>

#include "core/labels.h"
#include "core/status.h"

namespace logcap {

struct DockerContainerConfig {
  std::string id;
  std::string name;  // without the leading '/'
  std::string image;
  std::string image_id;
  std::string hostname;
  std::string log_path;
  Labels labels;
  std::string compose_project;
  std::string compose_service;
  bool running = false;
  bool tty = false;
};

inline constexpr std::string_view kComposeProjectLabel = "com.docker.compose.project";
inline constexpr std::string_view kComposeServiceLabel = "com.docker.compose.service";

Status ParseDockerContainerConfig(std::string_view json, DockerContainerConfig* out);

}  // namespace logcap
