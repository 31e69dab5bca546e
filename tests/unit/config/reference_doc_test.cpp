// docs/configuration.md must be exactly what ConfigReferenceMarkdown() generates.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/options.h"

namespace logcap {
namespace {

using ::testing::HasSubstr;

std::filesystem::path DocPath() {
  // This file is tests/unit/config/reference_doc_test.cpp; the doc is docs/configuration.md.
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "docs" /
         "configuration.md";
}

TEST(ConfigReferenceDoc, CheckedInDocMatchesTheOptionsTable) {
  const std::string generated = ConfigReferenceMarkdown();
  const std::filesystem::path path = DocPath();
  const char* update = std::getenv("LOGCAP_UPDATE_DOCS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << generated;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_TRUE(contents.str() == generated)
      << path << " is out of date with the options table (src/config/options.cpp). Regenerate it with:\n"
      << "  LOGCAP_UPDATE_DOCS=1 <build-dir>/unit_config --gtest_filter='ConfigReferenceDoc.*'";
}

TEST(ConfigReferenceDoc, EveryOptionIsDocumentedWithItsDefault) {
  const std::string doc = ConfigReferenceMarkdown();
  for (const Option& option : ConfigOptions()) {
    EXPECT_THAT(doc, HasSubstr("| `" + std::string(option.KeyInSection()) + "` |")) << option.path;
  }
  EXPECT_THAT(doc, HasSubstr("## `sinks.local_file`"));
  EXPECT_THAT(doc, HasSubstr("| `shutdown_timeout` | duration | `30s` | 1s to 1h |"));
  EXPECT_THAT(doc, HasSubstr("| `max_line_size` | size | `1MiB` | 1KiB to 1GiB |"));
  EXPECT_THAT(doc, HasSubstr("| `port` | int | `8401` | 0 to 65535 |"));
  EXPECT_THAT(doc, HasSubstr("| `retention` | duration | `7d` |"));
  EXPECT_THAT(doc, HasSubstr("`debug`, `info`, `warn`, `error`"));
  EXPECT_THAT(doc, HasSubstr("${VAR:-default}"));
}

}  // namespace
}  // namespace logcap
