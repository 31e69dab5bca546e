#include "sources/container/cri_container_ids.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using logcap::testing::TempDir;
using logcap::testing::WriteFile;

const std::string kId = "3f1e2d4c5b6a79881726354a4b5c6d7e8f9011223344556677889900aabbccdd";
const std::string kId2 = "aa11bb22cc33dd44ee55ff6600778899aa11bb22cc33dd44ee55ff6600778899";
const std::string kId3 = "0000000000000000000000000000000000000000000000000000000000000001";

TEST(ContainerCriIdsTest, ParsesLinkNames) {
  std::string pod, ns, container, id;
  ASSERT_TRUE(ParseCriLinkName("web-7d4b9c-x2x9q_shop_nginx-" + kId + ".log", &pod, &ns, &container, &id));
  EXPECT_EQ(pod, "web-7d4b9c-x2x9q");
  EXPECT_EQ(ns, "shop");
  EXPECT_EQ(container, "nginx");
  EXPECT_EQ(id, kId);
  // '-' and '.' in pod names, '-' in namespaces and container names.
  ASSERT_TRUE(ParseCriLinkName("kube-apiserver-node-1.example.com_kube-system_kube-apiserver-" + kId + ".log", &pod,
                               &ns, &container, &id));
  EXPECT_EQ(pod, "kube-apiserver-node-1.example.com");
  EXPECT_EQ(ns, "kube-system");
  EXPECT_EQ(container, "kube-apiserver");
  EXPECT_EQ(id, kId);
  // A container name that is itself hex, or ends like an id.
  ASSERT_TRUE(ParseCriLinkName("p_n_" + kId2 + "-" + kId + ".log", &pod, &ns, &container, &id));
  EXPECT_EQ(container, kId2);
  EXPECT_EQ(id, kId);
  // Outputs may be null.
  EXPECT_TRUE(ParseCriLinkName("p_n_c-" + kId + ".log", nullptr, nullptr, nullptr, nullptr));
}

TEST(ContainerCriIdsTest, RejectsOtherNames) {
  std::string pod, ns, container, id;
  std::string upper = kId;
  upper[5] = 'F';
  for (const std::string& name : {
           std::string(""),
           std::string(".log"),
           "web_shop_nginx-" + kId,                  // no .log
           "web_shop_nginx-" + kId + ".log.1",       // rotated or other suffix
           "web_shop_nginx-" + kId.substr(1) + ".log",  // 63 hex
           "web_shop_nginx-" + upper + ".log",       // upper case
           "web_shop_nginx_" + kId + ".log",         // '_' instead of '-' before the id
           "web_shop_nginx" + kId + ".log",          // nothing before the id
           "-" + kId + ".log",                       // no names at all
           "web_shop-" + kId + ".log",               // one '_'
           "web_shop_nginx_x-" + kId + ".log",       // three '_'
           "_shop_nginx-" + kId + ".log",            // empty pod
           "web__nginx-" + kId + ".log",             // empty namespace
           "web_shop_-" + kId + ".log",              // empty container
           std::string("web-1_shop_nginx.log"),
       }) {
    EXPECT_FALSE(ParseCriLinkName(name, &pod, &ns, &container, &id)) << name;
  }
}

TEST(ContainerCriIdsTest, LinksDirForPodLogPaths) {
  EXPECT_EQ(CriLinksDirFor("/var/log/pods/shop_web_0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b/nginx/0.log"),
            "/var/log/containers");
  EXPECT_EQ(CriLinksDirFor("/host/var/log/pods/shop_web_uid/nginx/3.log"), "/host/var/log/containers");
  EXPECT_EQ(CriLinksDirFor("//var//log/./pods/shop_web_uid/nginx/0.log"), "/var/log/containers");
  EXPECT_EQ(CriLinksDirFor("/data/logs/x/../pods/shop_web_uid/nginx/0.log"), "/data/logs/containers");
  EXPECT_EQ(CriLinksDirFor("/pods/shop_web_uid/nginx/0.log"), "/containers");
  EXPECT_EQ(CriLinksDirFor("pods/shop_web_uid/nginx/0.log"), "containers");
  EXPECT_EQ(CriLinksDirFor("log/pods/shop_web_uid/nginx/0.log"), "log/containers");
  // Too short: no directory above the pod directory.
  EXPECT_EQ(CriLinksDirFor("/shop_web_uid/nginx/0.log"), "");
  EXPECT_EQ(CriLinksDirFor("shop_web_uid/nginx/0.log"), "");
  EXPECT_EQ(CriLinksDirFor("nginx/0.log"), "");
  EXPECT_EQ(CriLinksDirFor(""), "");
}

class ContainerCriIdsDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    fs::create_directories(root_ / "log/containers");
    fs::create_directories(root_ / "log/pods/shop_web-1_uid1/nginx");
    fs::create_directories(root_ / "log/pods/kube-system_dns.x_uid2/coredns");
    WriteFile(root_ / "log/pods/shop_web-1_uid1/nginx/0.log", "");
    WriteFile(root_ / "log/pods/kube-system_dns.x_uid2/coredns/2.log", "");
  }
  void Link(const std::string& target, const std::string& name) {
    ASSERT_EQ(::symlink(target.c_str(), (links_dir() + "/" + name).c_str()), 0) << name;
  }
  std::string links_dir() const { return root_ / "log/containers"; }
  std::string pod_log(const std::string& rel) const { return root_ / ("log/pods/" + rel); }

  TempDir root_;
};

TEST_F(ContainerCriIdsDirTest, AbsoluteAndRelativeTargets) {
  Link(pod_log("shop_web-1_uid1/nginx/0.log"), "web-1_shop_nginx-" + kId + ".log");
  Link("../pods/kube-system_dns.x_uid2/coredns/2.log", "dns.x_kube-system_coredns-" + kId2 + ".log");
  const auto ids = ReadCriContainerIds(links_dir());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.at(pod_log("shop_web-1_uid1/nginx/0.log")), kId);
  EXPECT_EQ(ids.at(pod_log("kube-system_dns.x_uid2/coredns/2.log")), kId2);
  // The keys are what CriLinksDirFor inverts.
  EXPECT_EQ(CriLinksDirFor(pod_log("shop_web-1_uid1/nginx/0.log")), links_dir());
}

TEST_F(ContainerCriIdsDirTest, DanglingLinksStillMap) {
  // The kubelet may remove the log before the link (or the reverse); the name is what matters.
  Link(pod_log("gone_pod_uid3/c/0.log"), "pod_gone_c-" + kId3 + ".log");
  const auto ids = ReadCriContainerIds(links_dir());
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.at(pod_log("gone_pod_uid3/c/0.log")), kId3);
}

TEST_F(ContainerCriIdsDirTest, SkipsNonMatchingNamesAndNonLinks) {
  Link(pod_log("shop_web-1_uid1/nginx/0.log"), "web-1_shop_nginx-" + kId + ".log");
  Link(pod_log("shop_web-1_uid1/nginx/0.log"), "not-a-cri-link.log");
  Link(pod_log("shop_web-1_uid1/nginx/0.log"), "web-1_shop_nginx-" + kId2.substr(1) + ".log");
  WriteFile(links_dir() + "/web-1_shop_sidecar-" + kId2 + ".log", "a regular file, not a link\n");
  std::filesystem::create_directories(links_dir() + "/x_y_z-" + kId3 + ".log");  // a directory
  const auto ids = ReadCriContainerIds(links_dir());
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.begin()->second, kId);
}

TEST_F(ContainerCriIdsDirTest, RelativeDirAndTrailingSlash) {
  Link("../pods/shop_web-1_uid1/nginx/0.log", "web-1_shop_nginx-" + kId + ".log");
  const auto with_slash = ReadCriContainerIds(links_dir() + "/");
  ASSERT_EQ(with_slash.size(), 1u);
  EXPECT_EQ(with_slash.begin()->first, pod_log("shop_web-1_uid1/nginx/0.log"));

  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(root_.path());
  const auto relative = ReadCriContainerIds("log/containers");
  std::filesystem::current_path(cwd);
  ASSERT_EQ(relative.size(), 1u);
  // Canonical temp dirs may differ from root_ by symlinks; compare on the tail.
  EXPECT_TRUE(relative.begin()->first.ends_with("/log/pods/shop_web-1_uid1/nginx/0.log")) << relative.begin()->first;
  EXPECT_EQ(relative.begin()->first[0], '/');
}

// The agent sees the host's /var/log under another root, while the kubelet's links hold absolute
// host paths: the target is also mapped as it is seen next to the links.
TEST_F(ContainerCriIdsDirTest, HostTargetsUnderAnotherMountPoint) {
  Link("/var/log/pods/shop_web-1_uid1/nginx/0.log", "web-1_shop_nginx-" + kId + ".log");
  const auto ids = ReadCriContainerIds(links_dir());
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.at("/var/log/pods/shop_web-1_uid1/nginx/0.log"), kId);
  EXPECT_EQ(ids.at(pod_log("shop_web-1_uid1/nginx/0.log")), kId);
  // A kubelet with another podLogsDir: only the target itself (it does not end in pods/...).
  Link("/data/kubelet-logs/shop_web-1_uid1/nginx/0.log", "web-1_shop_nginx-" + kId2 + ".log");
  const auto more = ReadCriContainerIds(links_dir());
  EXPECT_EQ(more.size(), 3u);
  EXPECT_EQ(more.at("/data/kubelet-logs/shop_web-1_uid1/nginx/0.log"), kId2);
}

TEST(ContainerCriIdsTest, MissingOrUnreadableDir) {
  EXPECT_TRUE(ReadCriContainerIds("/nonexistent/var/log/containers").empty());
  EXPECT_TRUE(ReadCriContainerIds("").empty());
  TempDir dir;
  const std::string file = dir / "not-a-dir";
  WriteFile(file, "x");
  EXPECT_TRUE(ReadCriContainerIds(file).empty());
  EXPECT_TRUE(ReadCriContainerIds(dir.path()).empty());  // empty directory
}

}  // namespace
}  // namespace logcap
