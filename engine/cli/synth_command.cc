// proactivectl synth: writes a synthetic Paris-like population as NDJSON.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/command_line.h"
#include "engine/cli/commands.h"
#include "engine/client/event_json.h"
#include "engine/common/text_formats.h"
#include "engine/synth/synthetic_population.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl synth --persons N [--seed S] [--as_of YYYY-MM-DD] [--output FILE]\n"
    "Writes person events (NDJSON, docs/events.md) for a synthetic Paris-like population:\n"
    "20 arrondissements sized like Paris's, INSEE age pyramid, households, guardians,\n"
    "phones for most but not all, the REFLEX heatwave register, incomes, benefits.\n"
    "The same options always give the same file. Statistics go to stderr.\n";

}  // namespace

int RunSynthCommand(const std::vector<std::string>& args) {
  CommandLine line({"persons", "seed", "as_of", "output"}, {"help"});
  absl::Status parsed = line.Parse(args);
  absl::StatusOr<int64_t> persons = line.GetInt("persons", -1);
  absl::StatusOr<int64_t> seed = line.GetInt("seed", 1);
  if (!parsed.ok() || line.Has("help") || !persons.ok() || !seed.ok() || *persons < 1) {
    for (const absl::Status& s : {parsed, persons.status(), seed.status()}) {
      if (!s.ok()) std::fprintf(stderr, "proactivectl synth: %s\n", std::string(s.message()).c_str());
    }
    if (parsed.ok() && persons.ok() && *persons < 1 && !line.Has("help")) {
      std::fprintf(stderr, "proactivectl synth: --persons must be at least 1\n");
    }
    std::fputs(kUsage, line.Has("help") ? stdout : stderr);
    return line.Has("help") ? kExitOk : kExitUsage;
  }
  SyntheticPopulationOptions options;
  options.persons = *persons;
  options.seed = static_cast<uint64_t>(*seed);
  if (line.Has("as_of")) {
    absl::StatusOr<absl::CivilDay> as_of = ParseIsoDate(line.Get("as_of", ""));
    if (!as_of.ok()) {
      std::fprintf(stderr, "proactivectl synth: --as_of: %s\n", std::string(as_of.status().message()).c_str());
      return kExitUsage;
    }
    options.as_of = *as_of;
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (line.Has("output")) {
    file.open(line.Get("output", ""), std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "proactivectl synth: cannot write %s\n", line.Get("output", "").c_str());
      return kExitUsage;
    }
    out = &file;
  }
  std::string buffer;
  SyntheticPopulationStats stats = GenerateSyntheticPopulation(options, [&](const v1::PublishRequest& event) {
    buffer = EventToJson(event);
    buffer.push_back('\n');
    out->write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  });
  out->flush();
  if (!*out) {
    std::fprintf(stderr, "proactivectl synth: write failed\n");
    return kExitUsage;
  }
  std::fprintf(stderr,
               "synthetic population (seed %llu, as of %s): %lld persons in %lld households, %lld events\n"
               "  %lld aged 65+, %lld in the REFLEX register, %lld with a phone, %lld turning three in %lld\n",
               static_cast<unsigned long long>(options.seed), FormatIsoDate(options.as_of).c_str(),
               static_cast<long long>(stats.persons), static_cast<long long>(stats.households),
               static_cast<long long>(stats.events), static_cast<long long>(stats.aged_65_plus),
               static_cast<long long>(stats.reflex_registered), static_cast<long long>(stats.with_phone),
               static_cast<long long>(stats.children_turning_three), static_cast<long long>(options.as_of.year()));
  return kExitOk;
}

}  // namespace proactive
