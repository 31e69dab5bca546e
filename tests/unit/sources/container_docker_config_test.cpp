#include "sources/container/docker_container_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace logcap {
namespace {

// A config.v2.json as Docker 24 writes it for a Compose service (one line in the real file; the
// ids, paths and network settings shortened only where they repeat).
const char kComposeNginx[] = R"json({"StreamConfig":{},"State":{"Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"RemovalInProgress":false,"Dead":false,"Pid":48213,"ExitCode":0,"Error":"","StartedAt":"2026-11-24T06:59:58.412345678Z","FinishedAt":"0001-01-01T00:00:00Z","Health":null},"ID":"3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081","Created":"2026-11-24T06:59:57.918273645Z","Managed":false,"Path":"/docker-entrypoint.sh","Args":["nginx","-g","daemon off;"],"Config":{"Hostname":"3f4e5a6b7c8d","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NGINX_VERSION=1.25.3","NJS_VERSION=0.8.2","PKG_RELEASE=1~bookworm"],"Cmd":["nginx","-g","daemon off;"],"Image":"nginx:1.25","Volumes":null,"WorkingDir":"","Entrypoint":["/docker-entrypoint.sh"],"OnBuild":null,"Labels":{"com.docker.compose.config-hash":"8b1f4c7e2d9a0b3c5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d","com.docker.compose.container-number":"1","com.docker.compose.depends_on":"","com.docker.compose.image":"sha256:a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6","com.docker.compose.oneoff":"False","com.docker.compose.project":"shop","com.docker.compose.project.config_files":"/srv/shop/compose.yaml","com.docker.compose.project.working_dir":"/srv/shop","com.docker.compose.service":"web","com.docker.compose.version":"2.21.0","maintainer":"NGINX Docker Maintainers \u003cdocker-maint@nginx.com\u003e"},"StopSignal":"SIGQUIT"},"Image":"sha256:a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6","NetworkSettings":{"Bridge":"","SandboxID":"c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789","HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0,"Networks":{"shop_default":{"IPAMConfig":null,"Links":null,"Aliases":["shop-web-1","web","3f4e5a6b7c8d"],"NetworkID":"5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c","EndpointID":"6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d","Gateway":"172.18.0.1","IPAddress":"172.18.0.2","IPPrefixLen":16,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"02:42:ac:12:00:02","DriverOpts":null,"IPAMOperational":false}},"Service":null,"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}]},"SandboxKey":"/var/run/docker/netns/c0ffee012345","SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"IsAnonymousEndpoint":false,"HasSwarmEndpoint":false},"LogPath":"/var/lib/docker/containers/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081-json.log","Name":"/shop-web-1","Driver":"overlay2","OS":"linux","MountLabel":"","ProcessLabel":"","RestartCount":0,"HasBeenStartedBefore":false,"HasBeenManuallyStopped":false,"MountPoints":{"/usr/share/nginx/html":{"Source":"/srv/shop/html","Destination":"/usr/share/nginx/html","RW":false,"Name":"","Driver":"","Type":"bind","Relabel":"ro","Propagation":"rprivate","Spec":{"Type":"bind","Source":"/srv/shop/html","Target":"/usr/share/nginx/html","ReadOnly":true},"SkipMountpointCreation":false}},"SecretReferences":null,"ConfigReferences":null,"AppArmorProfile":"docker-default","HostnamePath":"/var/lib/docker/containers/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081/hostname","HostsPath":"/var/lib/docker/containers/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081/hosts","ShmPath":"/var/lib/docker/containers/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081/mounts/shm","ResolvConfPath":"/var/lib/docker/containers/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081/resolv.conf","SeccompProfile":"","NoNewPrivileges":false,"LocalLogCacheMeta":{"HaveNotifyEnabled":false}}
)json";

TEST(DockerContainerConfigTest, ReadsARealisticComposeContainer) {
  DockerContainerConfig c;
  ASSERT_TRUE(ParseDockerContainerConfig(kComposeNginx, &c).ok());
  EXPECT_EQ(c.id, "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081");
  EXPECT_EQ(c.name, "shop-web-1");
  EXPECT_EQ(c.image, "nginx:1.25");
  EXPECT_EQ(c.image_id, "sha256:a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6");
  EXPECT_EQ(c.hostname, "3f4e5a6b7c8d");
  EXPECT_EQ(c.log_path,
            "/var/lib/docker/containers/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081/"
            "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081-json.log");
  EXPECT_TRUE(c.running);
  EXPECT_FALSE(c.tty);
  EXPECT_EQ(c.compose_project, "shop");
  EXPECT_EQ(c.compose_service, "web");
  EXPECT_EQ(c.labels.size(), 11u);
  ASSERT_NE(c.labels.Find("maintainer"), nullptr);
  EXPECT_EQ(*c.labels.Find("maintainer"), "NGINX Docker Maintainers <docker-maint@nginx.com>");
  ASSERT_NE(c.labels.Find("com.docker.compose.container-number"), nullptr);
  EXPECT_EQ(*c.labels.Find("com.docker.compose.container-number"), "1");
}

TEST(DockerContainerConfigTest, StoppedPlainContainerWithoutLabels) {
  const std::string json =
      R"({"State":{"Running":false,"ExitCode":137,"FinishedAt":"2026-11-24T07:10:00Z"},"ID":"abc123",)"
      R"("Config":{"Image":"busybox","Labels":null,"Tty":true,"Env":null},"Name":"/quirky_turing"})";
  DockerContainerConfig c;
  ASSERT_TRUE(ParseDockerContainerConfig(json, &c).ok());
  EXPECT_EQ(c.name, "quirky_turing");
  EXPECT_EQ(c.image, "busybox");
  EXPECT_FALSE(c.running);
  EXPECT_TRUE(c.tty);
  EXPECT_TRUE(c.labels.empty());
  EXPECT_EQ(c.compose_project, "");
  EXPECT_EQ(c.compose_service, "");
  EXPECT_EQ(c.image_id, "");
  EXPECT_EQ(c.hostname, "");
}

TEST(DockerContainerConfigTest, OutputIsResetBetweenCalls) {
  DockerContainerConfig c;
  ASSERT_TRUE(ParseDockerContainerConfig(kComposeNginx, &c).ok());
  ASSERT_TRUE(ParseDockerContainerConfig(R"({"ID":"x","Name":"y","State":{},"Config":{}})", &c).ok());
  EXPECT_EQ(c.name, "y");
  EXPECT_TRUE(c.labels.empty());
  EXPECT_EQ(c.compose_project, "");
  EXPECT_FALSE(c.running);
}

TEST(DockerContainerConfigTest, MalformedFilesAreNamed) {
  struct Case {
    std::string json, expected;
  };
  const std::string ok_state = R"("State":{"Running":true})";
  const std::string ok_config = R"("Config":{"Image":"i"})";
  const std::vector<Case> cases = {
      {"", "invalid JSON"},
      {"{", "invalid JSON"},
      {std::string(kComposeNginx).substr(0, 3000), "invalid JSON"},  // a file cut short
      {"[]", "not a JSON object"},
      {R"({"ID":"x","Name":"/n",)" + ok_state + "," + ok_config + "} {}", "after the object"},
      {R"({"Name":"/n",)" + ok_state + "," + ok_config + "}", "missing \"ID\""},
      {R"({"ID":"x",)" + ok_state + "," + ok_config + "}", "missing \"Name\""},
      {R"({"ID":"x","Name":"/n",)" + ok_config + "}", "missing \"State\""},
      {R"({"ID":"x","Name":"/n",)" + ok_state + "}", "missing \"Config\""},
      {R"({"ID":"x","Name":"/n","State":null,)" + ok_config + "}", "missing \"State\""},
      {R"({"ID":7,"Name":"/n",)" + ok_state + "," + ok_config + "}", "\"ID\" must be a string"},
      {R"({"ID":"x","Name":["/n"],)" + ok_state + "," + ok_config + "}", "\"Name\" must be a string"},
      {R"({"ID":"x","Name":"/n","State":true,)" + ok_config + "}", "\"State\" must be an object"},
      {R"({"ID":"x","Name":"/n","State":{"Running":"yes"},)" + ok_config + "}", "\"State.Running\" must be true or false"},
      {R"({"ID":"x","Name":"/n",)" + ok_state + R"(,"Config":"c"})", "\"Config\" must be an object"},
      {R"({"ID":"x","Name":"/n",)" + ok_state + R"(,"Config":{"Image":1}})", "\"Config.Image\" must be a string"},
      {R"({"ID":"x","Name":"/n",)" + ok_state + R"(,"Config":{"Labels":[]}})", "\"Config.Labels\" must be an object"},
      {R"({"ID":"x","Name":"/n",)" + ok_state + R"(,"Config":{"Labels":{"a":1}}})", "label \"a\" must be a string"},
      {R"({"ID":"x","Name":"/n",)" + ok_state + R"(,"Config":{"Tty":"no"}})", "\"Config.Tty\" must be true or false"},
  };
  for (const Case& c : cases) {
    DockerContainerConfig config;
    Status s = ParseDockerContainerConfig(c.json, &config);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << c.json << " -> " << s.message();
    EXPECT_NE(s.message().find("config.v2.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace logcap
