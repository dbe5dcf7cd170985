// size, contains, startsWith, endsWith, matches (RE2, partial match).
#include <cstdint>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/eval/functions.h"
#include "re2/re2.h"

namespace proactive::eval::internal {
namespace {

using Args = absl::Span<const Value>;

// Strings are sized in code points, not bytes.
int64_t CodePoints(absl::string_view s) {
  int64_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

Value SizeString(Args a) { return Value::Int(CodePoints(a[0].string_value())); }
Value SizeBytes(Args a) { return Value::Int(static_cast<int64_t>(a[0].string_value().size())); }
Value SizeList(Args a) { return Value::Int(static_cast<int64_t>(a[0].list_elements().size())); }
Value SizeMap(Args a) { return Value::Int(static_cast<int64_t>(a[0].map_value().size())); }

Value Contains(Args a) { return Value::Bool(absl::StrContains(a[0].string_value(), a[1].string_value())); }
Value StartsWith(Args a) { return Value::Bool(absl::StartsWith(a[0].string_value(), a[1].string_value())); }
Value EndsWith(Args a) { return Value::Bool(absl::EndsWith(a[0].string_value(), a[1].string_value())); }

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

Value Matches(Args a) {
  const RE2 pattern(Piece(a[1].string_value()), RE2::Quiet);
  if (!pattern.ok()) {
    return Value::Error(absl::StrCat("invalid regular expression '", a[1].string_value(), "': ", pattern.error()));
  }
  return Value::Bool(RE2::PartialMatch(Piece(a[0].string_value()), pattern));
}

}  // namespace

void AddStringFunctions(ImplTable& t) {
  t.insert(t.end(), {
                        {"size_string", SizeString},
                        {"size_bytes", SizeBytes},
                        {"size_list", SizeList},
                        {"size_map", SizeMap},
                        {"string_size", SizeString},
                        {"bytes_size", SizeBytes},
                        {"list_size", SizeList},
                        {"map_size", SizeMap},
                        {"string_contains", Contains},
                        {"string_starts_with", StartsWith},
                        {"string_ends_with", EndsWith},
                        {"string_matches", Matches},
                        {"matches_string", Matches},
                    });
}

}  // namespace proactive::eval::internal
