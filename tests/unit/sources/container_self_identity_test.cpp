#include "sources/container/self_identity.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using logcap::testing::TempDir;
using logcap::testing::WriteFile;

const std::string kId = "3f1e2d4c5b6a79881726354a4b5c6d7e8f9011223344556677889900aabbccdd";
const std::string kOther = "aa11bb22cc33dd44ee55ff6600778899aa11bb22cc33dd44ee55ff6600778899";
const std::string kUid = "0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const std::string kUidUnderscores = "0f6a1c2e_3b4d_4e5f_8a9b_0c1d2e3f4a5b";

// A fake /proc: <root>/self/cgroup and <root>/self/mountinfo (either may be left out).
class FakeProc {
 public:
  FakeProc() { std::filesystem::create_directories(dir_ / "self"); }
  void Cgroup(const std::string& text) { WriteFile(dir_ / "self/cgroup", text); }
  void MountInfo(const std::string& text) { WriteFile(dir_ / "self/mountinfo", text); }
  SelfIdentity Detect(const std::string& hostname = "node-1") const {
    return DetectSelfIdentity(dir_.path(), hostname);
  }

 private:
  TempDir dir_;
};

SelfIdentity FromCgroup(const std::string& cgroup) {
  FakeProc proc;
  proc.Cgroup(cgroup);
  return proc.Detect();
}

TEST(ContainerSelfIdentityTest, CgroupV1Docker) {
  const SelfIdentity self = FromCgroup(
      "12:memory:/docker/" + kId + "\n"
      "11:cpu,cpuacct:/docker/" + kId + "\n"
      "1:name=systemd:/docker/" + kId + "\n");
  ASSERT_EQ(self.container_ids.size(), 1u);  // deduplicated
  EXPECT_EQ(self.container_ids[0], kId);
  EXPECT_EQ(self.pod_uid, "");
  EXPECT_TRUE(self.IsSelfContainer(kId));
  EXPECT_FALSE(self.IsSelfContainer(kOther));
}

TEST(ContainerSelfIdentityTest, CgroupV1KubernetesCgroupfs) {
  const SelfIdentity self = FromCgroup(
      "12:memory:/kubepods/burstable/pod" + kUid + "/" + kId + "\n"
      "5:pids:/kubepods/burstable/pod" + kUid + "/" + kId + "\n");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
  EXPECT_EQ(self.pod_uid, kUid);
  EXPECT_TRUE(self.IsSelfPod(kUid));
  EXPECT_FALSE(self.IsSelfPod("11111111-2222-3333-4444-555555555555"));
}

TEST(ContainerSelfIdentityTest, GuaranteedPodHasNoQosLevel) {
  const SelfIdentity self = FromCgroup("0::/kubepods/pod" + kUid + "/" + kId + "\n");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
  EXPECT_EQ(self.pod_uid, kUid);
}

TEST(ContainerSelfIdentityTest, SystemdDockerScope) {
  const SelfIdentity self = FromCgroup("1:name=systemd:/system.slice/docker-" + kId + ".scope\n");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
}

TEST(ContainerSelfIdentityTest, SystemdKubernetesContainerdWithUnderscoredPodUid) {
  const std::string path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidUnderscores +
                           ".slice/cri-containerd-" + kId + ".scope";
  const SelfIdentity self = FromCgroup("0::" + path + "\n");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
  EXPECT_EQ(self.pod_uid, kUid);  // '_' read as '-'
  EXPECT_TRUE(self.IsSelfPod(kUid));
  EXPECT_FALSE(self.IsSelfPod(kUidUnderscores));
}

TEST(ContainerSelfIdentityTest, SystemdKubernetesCrio) {
  const SelfIdentity self = FromCgroup(
      "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kUidUnderscores +
      ".slice/crio-" + kId + ".scope\n");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
  EXPECT_EQ(self.pod_uid, kUid);
  // Guaranteed QoS: the pod slice sits right under kubepods.slice.
  const SelfIdentity guaranteed =
      FromCgroup("0::/kubepods.slice/kubepods-pod" + kUidUnderscores + ".slice/crio-" + kId + ".scope\n");
  EXPECT_EQ(guaranteed.pod_uid, kUid);
  EXPECT_EQ(guaranteed.container_ids, std::vector<std::string>{kId});
}

TEST(ContainerSelfIdentityTest, ContainerdSliceColonForm) {
  const SelfIdentity self = FromCgroup("4:memory:/system.slice/containerd.service/kubepods-burstable-pod" +
                                       kUidUnderscores + ".slice:cri-containerd:" + kId + "\n");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
  EXPECT_EQ(self.pod_uid, kUid);
}

TEST(ContainerSelfIdentityTest, StaticPodUidIsAHash) {
  const std::string hash = "9f1c2d3e4b5a69788796a5b4c3d2e1f0";
  const SelfIdentity self = FromCgroup("0::/kubepods/burstable/pod" + hash + "/" + kId + "\n");
  EXPECT_EQ(self.pod_uid, hash);
}

TEST(ContainerSelfIdentityTest, NestedDockerKeepsTheInnermostId) {
  const SelfIdentity self = FromCgroup("12:memory:/docker/" + kOther + "/docker/" + kId + "\n");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
}

TEST(ContainerSelfIdentityTest, NothingOnAHost) {
  // cgroup v2 host, a v1 host with a job's 32-hex cgroup, a private cgroup namespace.
  for (const std::string& cgroup : {std::string("0::/init.scope\n"),
                                    std::string("0::/user.slice/user-1000.slice/session-3.scope\n"),
                                    std::string("4:memory:/process_api/e35cb159e807587ef37b6d6b58df5a50\n0::/\n"),
                                    std::string("0::/\n")}) {
    const SelfIdentity self = FromCgroup(cgroup);
    EXPECT_TRUE(self.container_ids.empty()) << cgroup;
    EXPECT_EQ(self.pod_uid, "") << cgroup;
    EXPECT_FALSE(self.IsSelfContainer(kId));
    EXPECT_FALSE(self.IsSelfPod(kUid));
    EXPECT_FALSE(self.IsSelfPod(""));
  }
}

TEST(ContainerSelfIdentityTest, RejectsAlmostIds) {
  std::string id, uid;
  ParseCgroupPath("/docker/" + kId.substr(1), &id, &uid);  // 63 hex
  EXPECT_EQ(id, "");
  std::string upper = kId;
  upper[0] = 'A';
  ParseCgroupPath("/docker/" + upper, &id, &uid);  // upper case
  EXPECT_EQ(id, "");
  ParseCgroupPath("/system.slice/docker" + kId + ".scope", &id, &uid);  // no '-' before the id
  EXPECT_EQ(id, "");
  ParseCgroupPath("/system.slice/docker-x" + kId + "0.scope", &id, &uid);  // 65 hex-ish
  EXPECT_EQ(id, "");
  ParseCgroupPath("/kubepods/podman/" + kId, &id, &uid);  // "podman" is no pod uid
  EXPECT_EQ(id, kId);
  EXPECT_EQ(uid, "");
  ParseCgroupPath("/kubepods/pod0f6a1c2e3b4d4e5f8a9b0c1d2e3f4a5b00/" + kId, &id, &uid);  // 34 hex
  EXPECT_EQ(uid, "");
  EXPECT_TRUE(IsFullContainerId(kId));
  EXPECT_FALSE(IsFullContainerId(kId + "0"));
  EXPECT_FALSE(IsFullContainerId(""));
}

// What a Docker container on a cgroup v2 host (private cgroup namespace) sees: its cgroup is "/",
// but Docker's files for it are bind-mounted onto /etc. This agent also mounts the host's
// /var/lib/docker/containers read-only, which brings along other containers' shm mounts.
TEST(ContainerSelfIdentityTest, MountInfoOfADockerContainer) {
  FakeProc proc;
  proc.Cgroup("0::/\n");
  proc.MountInfo(
      "1205 1100 0:98 / / rw,relatime master:500 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/"
      "ZQ3V6GQ5QK5P:/var/lib/docker/overlay2/l/J4W2SX2J2T6F,upperdir=/var/lib/docker/overlay2/"
      "8c0b7c9e3f/diff,workdir=/var/lib/docker/overlay2/8c0b7c9e3f/work\n"
      "1206 1205 0:101 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
      "1207 1205 0:102 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755,inode64\n"
      "1208 1207 0:103 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666\n"
      "1209 1205 0:104 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
      "1210 1209 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n"
      "1211 1207 0:100 / /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue mqueue rw\n"
      "1212 1207 0:105 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k,inode64\n"
      "1213 1205 259:2 /var/lib/docker/containers/" + kId + "/resolv.conf /etc/resolv.conf rw,relatime - ext4 "
      "/dev/nvme0n1p2 rw,errors=remount-ro\n"
      "1214 1205 259:2 /var/lib/docker/containers/" + kId + "/hostname /etc/hostname rw,relatime - ext4 "
      "/dev/nvme0n1p2 rw,errors=remount-ro\n"
      "1215 1205 259:2 /var/lib/docker/containers/" + kId + "/hosts /etc/hosts rw,relatime - ext4 "
      "/dev/nvme0n1p2 rw,errors=remount-ro\n"
      "1216 1205 259:2 /var/lib/docker/containers /var/lib/docker/containers ro,relatime - ext4 "
      "/dev/nvme0n1p2 rw,errors=remount-ro\n"
      "1217 1216 0:61 / /var/lib/docker/containers/" + kOther + "/mounts/shm rw,nosuid,nodev,noexec,relatime - "
      "tmpfs shm rw,size=65536k,inode64\n"
      "1101 1206 0:101 /bus /proc/bus ro,nosuid,nodev,noexec,relatime - proc proc rw\n"
      "1102 1206 0:101 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw\n"
      "1103 1206 0:106 / /proc/acpi ro,relatime - tmpfs tmpfs ro,inode64\n"
      "1104 1206 0:102 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755,inode64\n");
  const SelfIdentity self = proc.Detect("web-agent");
  EXPECT_EQ(self.container_ids, std::vector<std::string>{kId});
  EXPECT_TRUE(self.IsSelfContainer(kId));
  EXPECT_FALSE(self.IsSelfContainer(kOther));
}

TEST(ContainerSelfIdentityTest, MountInfoWithDockerRootOnItsOwnFileSystem) {
  // /var/lib/docker is a file system of its own: the mount root is relative to it.
  EXPECT_EQ(ParseMountInfoLine("1300 1205 8:17 /containers/" + kId +
                               "/hostname /etc/hostname rw,relatime - xfs /dev/sdb1 rw"),
            kId);
}

TEST(ContainerSelfIdentityTest, MountInfoIgnoresSandboxesAndOtherMounts) {
  const std::string sandbox = "5e2b1c3d4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
  EXPECT_EQ(ParseMountInfoLine("2001 1990 259:2 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" + sandbox +
                               "/hostname /etc/hostname rw,relatime - ext4 /dev/nvme0n1p2 rw"),
            "");
  EXPECT_EQ(ParseMountInfoLine("2002 1990 259:2 /var/lib/kubelet/pods/" + kUid +
                               "/etc-hosts /etc/hosts rw,relatime - ext4 /dev/nvme0n1p2 rw"),
            "");
  // An id in the mount point only (another container's shm), or mounted elsewhere.
  EXPECT_EQ(ParseMountInfoLine("2003 1990 0:61 / /var/lib/docker/containers/" + kOther +
                               "/mounts/shm rw - tmpfs shm rw"),
            "");
  EXPECT_EQ(ParseMountInfoLine("2004 1990 259:2 /var/lib/docker/containers/" + kOther +
                               "/hostname /data/other-hostname rw - ext4 /dev/nvme0n1p2 rw"),
            "");
  // The container's directory itself, not a file in it.
  EXPECT_EQ(ParseMountInfoLine("2005 1990 259:2 /var/lib/docker/containers/" + kOther +
                               " /etc/hostname rw - ext4 /dev/nvme0n1p2 rw"),
            "");
  EXPECT_EQ(ParseMountInfoLine(""), "");
  EXPECT_EQ(ParseMountInfoLine("garbage"), "");
}

TEST(ContainerSelfIdentityTest, MountInfoOfAKubeletPodGivesThePodUidOnCgroupV2) {
  FakeProc proc;
  proc.Cgroup("0::/\n");  // a private cgroup namespace: nothing to find there
  proc.MountInfo(
      "2001 1990 259:2 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" + kOther +
      "/hostname /etc/hostname rw,relatime - ext4 /dev/nvme0n1p2 rw\n"
      "2002 1990 259:2 /var/lib/kubelet/pods/" + kUid + "/etc-hosts /etc/hosts rw,relatime - ext4 /dev/nvme0n1p2 rw\n"
      "2003 1990 259:2 /var/lib/kubelet/pods/" + kUid +
      "/containers/agent/5c1f2b3a /dev/termination-log rw,relatime - ext4 /dev/nvme0n1p2 rw\n");
  const SelfIdentity self = proc.Detect();
  EXPECT_EQ(self.pod_uid, kUid);
  EXPECT_TRUE(self.container_ids.empty());
  EXPECT_TRUE(self.IsSelfPod(kUid));

  // /var/lib/kubelet on a file system of its own; a static pod's hash as uid.
  const std::string hash = "6f1d2c3b4a5968778695a4b3c2d1e0f9";
  EXPECT_EQ(ParseMountInfoPodUid("31 25 8:17 /pods/" + hash + "/etc-hosts /etc/hosts rw - ext4 /dev/sdb1 rw"), hash);
  // Other pods' mounts seen by an agent that mounts /var/lib/kubelet, the pod directory itself,
  // and look-alikes are not the agent's.
  EXPECT_EQ(ParseMountInfoPodUid("32 25 259:2 /var/lib/kubelet/pods/" + kUid +
                                 "/etc-hosts /var/lib/kubelet/pods/" + kUid + "/etc-hosts rw - ext4 /dev/sda1 rw"),
            "");
  EXPECT_EQ(ParseMountInfoPodUid("33 25 259:2 /var/lib/kubelet/pods/" + kUid + " /etc/hosts rw - ext4 /dev/sda1 rw"), "");
  EXPECT_EQ(ParseMountInfoPodUid("34 25 259:2 /var/lib/kubelet/pods/not-a-uid/etc-hosts /etc/hosts rw - ext4 /dev/sda1 rw"),
            "");
  EXPECT_EQ(ParseMountInfoPodUid("35 25 259:2 /var/lib/kubelet/pods/" + kUid +
                                 "/etc-hosts /etc/resolv.conf rw - ext4 /dev/sda1 rw"),
            "");
  EXPECT_EQ(ParseMountInfoPodUid(""), "");
}

TEST(ContainerSelfIdentityTest, CgroupAndMountInfoIdsAreMerged) {
  FakeProc proc;
  proc.Cgroup("0::/system.slice/docker-" + kId + ".scope\n");
  proc.MountInfo("1213 1205 259:2 /var/lib/docker/containers/" + kId +
                 "/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n"
                 "1214 1205 259:2 /var/lib/docker/containers/" + kOther +
                 "/resolv.conf /etc/resolv.conf rw - ext4 /dev/sda1 rw");  // no final newline
  const SelfIdentity self = proc.Detect();
  EXPECT_EQ(self.container_ids, (std::vector<std::string>{kId, kOther}));
}

TEST(ContainerSelfIdentityTest, HostnameFallback) {
  FakeProc proc;
  proc.Cgroup("0::/\n");
  const SelfIdentity self = proc.Detect(kId.substr(0, 12));
  EXPECT_TRUE(self.container_ids.empty());
  EXPECT_EQ(self.hostname, kId.substr(0, 12));
  EXPECT_TRUE(self.IsSelfContainer(kId));
  EXPECT_FALSE(self.IsSelfContainer(kOther));
  EXPECT_FALSE(self.IsSelfContainer(""));

  // Not 12 lower-case hex characters: no fallback.
  for (const std::string& name : {kId.substr(0, 11), kId.substr(0, 13), std::string("3F1E2D4C5B6A"),
                                  std::string("web-agent-01")}) {
    EXPECT_FALSE(proc.Detect(name).IsSelfContainer(kId)) << name;
  }
  // Once an id is known, the host name is not consulted.
  FakeProc known;
  known.Cgroup("0::/docker/" + kOther + "\n");
  EXPECT_FALSE(known.Detect(kId.substr(0, 12)).IsSelfContainer(kId));
  EXPECT_TRUE(known.Detect(kId.substr(0, 12)).IsSelfContainer(kOther));
}

TEST(ContainerSelfIdentityTest, MissingFilesGiveNothing) {
  const SelfIdentity self = DetectSelfIdentity("/nonexistent/proc-root", "host");
  EXPECT_TRUE(self.container_ids.empty());
  EXPECT_EQ(self.pod_uid, "");
  EXPECT_EQ(self.hostname, "host");
  FakeProc empty;  // directory exists, files do not
  EXPECT_TRUE(empty.Detect().container_ids.empty());
}

TEST(ContainerSelfIdentityTest, RealProcAndHostname) {
  // Whatever this machine is, detection must not fail and must fill the host name.
  const SelfIdentity self = DetectSelfIdentity();
  EXPECT_FALSE(self.hostname.empty());
  for (const std::string& id : self.container_ids) EXPECT_TRUE(IsFullContainerId(id)) << id;
}

}  // namespace
}  // namespace logcap
