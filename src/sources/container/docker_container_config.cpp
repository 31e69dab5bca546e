#include "sources/container/docker_container_config.h"

#include <simdjson.h>

#include <string>

namespace logcap {

namespace {

namespace od = simdjson::ondemand;

Status InvalidJson(simdjson::error_code error) {
  return Status::InvalidArgument(std::string("docker config.v2.json: invalid JSON: ") +
                                 simdjson::error_message(error));
}

Status Invalid(std::string_view what) { return Status::InvalidArgument("docker config.v2.json: " + std::string(what)); }

Status WrongType(std::string_view key, std::string_view expected) {
  return Invalid("\"" + std::string(key) + "\" must be " + std::string(expected));
}

// value's type, with null reported as such (and checked to be a real null).
Status TypeOf(od::value& value, od::json_type* type) {
  if (auto error = value.type().get(*type)) return InvalidJson(error);
  if (*type == od::json_type::null) {
    bool is_null = false;
    if (auto error = value.is_null().get(is_null)) return InvalidJson(error);
    if (!is_null) return InvalidJson(simdjson::N_ATOM_ERROR);
  }
  return Status::Ok();
}

// A string, or null (= absent: *out untouched).
Status ReadString(od::value& value, std::string_view key, std::string* out) {
  od::json_type type = od::json_type::null;
  Status s = TypeOf(value, &type);
  if (!s.ok() || type == od::json_type::null) return s;
  if (type != od::json_type::string) return WrongType(key, "a string");
  std::string_view text;
  if (auto error = value.get_string().get(text)) return InvalidJson(error);
  out->assign(text);
  return Status::Ok();
}

// A boolean, or null (= absent: *out untouched).
Status ReadBool(od::value& value, std::string_view key, bool* out) {
  od::json_type type = od::json_type::null;
  Status s = TypeOf(value, &type);
  if (!s.ok() || type == od::json_type::null) return s;
  if (type != od::json_type::boolean) return WrongType(key, "true or false");
  if (auto error = value.get_bool().get(*out)) return InvalidJson(error);
  return Status::Ok();
}

// An object: calls on_field(key, value) for each of its fields. *was_null when it is null.
template <typename OnField>
Status ForEachField(od::value& value, std::string_view key, bool* was_null, OnField&& on_field) {
  od::json_type type = od::json_type::null;
  Status s = TypeOf(value, &type);
  if (!s.ok()) return s;
  *was_null = type == od::json_type::null;
  if (*was_null) return Status::Ok();
  if (type != od::json_type::object) return WrongType(key, "an object");
  od::object object;
  if (auto error = value.get_object().get(object)) return InvalidJson(error);
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return InvalidJson(error);
    std::string_view name;
    if (auto error = field.unescaped_key().get(name)) return InvalidJson(error);
    s = on_field(name, field.value());
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ReadLabels(od::value& value, Labels* labels) {
  bool was_null = false;
  return ForEachField(value, "Config.Labels", &was_null, [&](std::string_view name, od::value& v) {
    od::json_type type = od::json_type::null;
    Status s = TypeOf(v, &type);
    if (!s.ok()) return s;
    if (type != od::json_type::string) return Invalid("label \"" + std::string(name) + "\" must be a string");
    std::string_view text;
    if (auto error = v.get_string().get(text)) return InvalidJson(error);
    labels->Set(name, text);
    return Status::Ok();
  });
}

}  // namespace

Status ParseDockerContainerConfig(std::string_view json, DockerContainerConfig* out) {
  *out = DockerContainerConfig{};
  const simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  if (auto error = parser.iterate(padded).get(doc)) return InvalidJson(error);
  od::object object;
  if (auto error = doc.get_object().get(object)) {
    if (error == simdjson::INCORRECT_TYPE) return Invalid("the file is not a JSON object");
    return InvalidJson(error);
  }

  bool has_id = false, has_name = false, has_state = false, has_config = false;
  std::string name;
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return InvalidJson(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return InvalidJson(error);
    od::value& value = field.value();
    Status s;
    if (key == "ID") {
      s = ReadString(value, key, &out->id);
      has_id = s.ok() && !out->id.empty();
    } else if (key == "Name") {
      s = ReadString(value, key, &name);
      has_name = s.ok() && !name.empty();
    } else if (key == "Image") {
      s = ReadString(value, key, &out->image_id);
    } else if (key == "LogPath") {
      s = ReadString(value, key, &out->log_path);
    } else if (key == "State") {
      bool was_null = false;
      s = ForEachField(value, key, &was_null, [&](std::string_view k, od::value& v) {
        return k == "Running" ? ReadBool(v, "State.Running", &out->running) : Status::Ok();
      });
      has_state = s.ok() && !was_null;
    } else if (key == "Config") {
      bool was_null = false;
      s = ForEachField(value, key, &was_null, [&](std::string_view k, od::value& v) {
        if (k == "Image") return ReadString(v, "Config.Image", &out->image);
        if (k == "Labels") return ReadLabels(v, &out->labels);
        if (k == "Hostname") return ReadString(v, "Config.Hostname", &out->hostname);
        if (k == "Tty") return ReadBool(v, "Config.Tty", &out->tty);
        return Status::Ok();
      });
      has_config = s.ok() && !was_null;
    }
    if (!s.ok()) return s;
  }
  auto location = doc.current_location();
  if (location.error() != simdjson::OUT_OF_BOUNDS) {
    const char* rest = nullptr;
    if (std::move(location).get(rest) == simdjson::SUCCESS) {
      return Invalid("unexpected content after the object at byte " + std::to_string(rest - padded.data()));
    }
    return Invalid(std::string("unexpected content after the object (") + simdjson::error_message(location.error()) + ")");
  }
  if (!has_id) return Invalid("missing \"ID\"");
  if (!has_name) return Invalid("missing \"Name\"");
  if (!has_state) return Invalid("missing \"State\"");
  if (!has_config) return Invalid("missing \"Config\"");

  out->name = name.starts_with('/') ? name.substr(1) : name;
  if (const std::string* p = out->labels.Find(kComposeProjectLabel)) out->compose_project = *p;
  if (const std::string* p = out->labels.Find(kComposeServiceLabel)) out->compose_service = *p;
  return Status::Ok();
}

}  // namespace logcap
