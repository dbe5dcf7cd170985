// fakesmsc-inbox: what the phones of a loopback Kannel received, read from
// fakesmsc's output (-v 0), long messages reassembled and decoded to UTF-8,
// the same way the SMS tests read it. deploy/local/demo.sh shows the SMS
// with it.
//
//   fakesmsc-inbox var/demo/kannel/fakesmsc.out
//   # one line per message: TO <tab> FROM <tab> PARTS <tab> TEXT
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_replace.h"
#include "tests/connectors/kannel_loopback.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fakesmsc-inbox FAKESMSC_OUTPUT\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fakesmsc-inbox: cannot read %s\n", argv[1]);
    return 1;
  }
  std::stringstream output;
  output << in.rdbuf();
  for (const auto& m : proactive::testing::ParseFakesmscOutput(output.str())) {
    // One message per line, whatever its text holds.
    const std::string text = absl::StrReplaceAll(m.text, {{"\n", " "}, {"\r", " "}, {"\t", " "}});
    std::printf("%s\t%s\t%d\t%s\n", m.to.c_str(), m.from.c_str(), m.parts, text.c_str());
  }
  return 0;
}
