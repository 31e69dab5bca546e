#include "sources/container/pod_log_path.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace logcap {
namespace {

TEST(PodLogPathTest, ParsesTheKubeletLayout) {
  PodLogPath p;
  ASSERT_TRUE(ParsePodLogPath("/var/log/pods/shop_web-7d4b9c-x2x9q_0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b/nginx/0.log", &p).ok());
  EXPECT_EQ(p.namespace_name, "shop");
  EXPECT_EQ(p.pod, "web-7d4b9c-x2x9q");
  EXPECT_EQ(p.uid, "0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(p.container, "nginx");
  EXPECT_EQ(p.restart_count, 0u);
}

TEST(PodLogPathTest, OtherRootsRestartCountsAndStaticPods) {
  PodLogPath p;
  // A static pod's uid is a hash; the root is wherever the host's /var/log is mounted.
  ASSERT_TRUE(ParsePodLogPath("/host/var/log/pods/kube-system_kube-apiserver-node-1_9f1c2d3e4b5a69788796a5b4c3d2e1f0/kube-apiserver/12.log", &p).ok());
  EXPECT_EQ(p.namespace_name, "kube-system");
  EXPECT_EQ(p.pod, "kube-apiserver-node-1");
  EXPECT_EQ(p.uid, "9f1c2d3e4b5a69788796a5b4c3d2e1f0");
  EXPECT_EQ(p.container, "kube-apiserver");
  EXPECT_EQ(p.restart_count, 12u);
  ASSERT_TRUE(ParsePodLogPath("ns_pod_uid/c/4294967295.log", &p).ok());  // relative, largest count
  EXPECT_EQ(p.restart_count, 4294967295u);
  EXPECT_EQ(p.namespace_name, "ns");
}

TEST(PodLogPathTest, ViewsPointIntoThePath) {
  const std::string path = "/var/log/pods/a_b_c/d/1.log";
  PodLogPath p;
  ASSERT_TRUE(ParsePodLogPath(path, &p).ok());
  EXPECT_EQ(p.namespace_name.data(), path.data() + 14);
  EXPECT_EQ(p.container.data(), path.data() + 20);
}

TEST(PodLogPathTest, RejectsOtherShapes) {
  struct Case {
    std::string path, expected;
  };
  const std::vector<Case> cases = {
      {"", "fewer than three components"},
      {"0.log", "fewer than three components"},
      {"nginx/0.log", "fewer than three components"},
      {"/nginx/0.log", "the pod directory must be"},
      {"/var/log/pods/shop_web_uid/nginx/0.log.20261124-070000", "<restart count>.log"},
      {"/var/log/pods/shop_web_uid/nginx/0.log.20261124-070000.gz", "<restart count>.log"},
      {"/var/log/pods/shop_web_uid/nginx/x.log", "<restart count>.log"},
      {"/var/log/pods/shop_web_uid/nginx/.log", "<restart count>.log"},
      {"/var/log/pods/shop_web_uid/nginx/-1.log", "<restart count>.log"},
      {"/var/log/pods/shop_web_uid/nginx/0.txt", "<restart count>.log"},
      {"/var/log/pods/shop_web_uid/nginx/", "<restart count>.log"},
      {"/var/log/pods/shop_web_uid/nginx/4294967296.log", "too large"},
      {"/var/log/pods/shop_web_uid//0.log", "empty container name"},
      {"/var/log/pods/shop-web-uid/nginx/0.log", "must be <namespace>_<pod>_<uid>"},
      {"/var/log/pods/shop_web/nginx/0.log", "must be <namespace>_<pod>_<uid>"},
      {"/var/log/pods/shop_web_x_uid/nginx/0.log", "more than two '_'"},
      {"/var/log/pods/_web_uid/nginx/0.log", "empty namespace, pod or uid"},
      {"/var/log/pods/shop__uid/nginx/0.log", "empty namespace, pod or uid"},
      {"/var/log/pods/shop_web_/nginx/0.log", "empty namespace, pod or uid"},
      // The layout before Kubernetes 1.14: /var/log/pods/<uid>/<container>_<restart>.log
      {"/var/log/pods/0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b/nginx_0.log", "<restart count>.log"},
      // Docker's own container logs are not pod logs.
      {"/var/lib/docker/containers/3f4e/3f4e-json.log", "<restart count>.log"},
  };
  for (const Case& c : cases) {
    PodLogPath p;
    Status s = ParsePodLogPath(c.path, &p);
    ASSERT_FALSE(s.ok()) << c.path;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << c.path << " -> " << s.message();
    EXPECT_NE(s.message().find("not a Kubernetes pod log path"), std::string::npos);
  }
}

}  // namespace
}  // namespace logcap
