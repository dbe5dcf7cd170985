// Decoding of string and bytes literal bodies (the text between the quotes),
// and the reverse: quoting a string or bytes value as a CEL literal.
//
//   std::string out;
//   std::vector<LiteralError> errors;
//   DecodeLiteralBody(R"(a\tb)", 0, /*raw=*/false, /*bytes=*/false, &out,
//                     &errors);  // out == "a<TAB>b"
//   QuoteString("a\"b");        // "\"a\\\"b\""
#ifndef PROACTIVE_ENGINE_LANG_LITERALS_H_
#define PROACTIVE_ENGINE_LANG_LITERALS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/utf8.h"  // AppendUtf8

namespace proactive::lang {

struct LiteralError {
  int32_t offset = 0;  // byte offset in the whole text
  std::string message;
};

// Decodes `body`, which starts at byte `body_offset` of the expression text.
// Raw literals keep backslashes as they are. In strings, \x, \u, \U and octal
// escapes denote code points (written as UTF-8); in bytes, \x and octal
// escapes denote octets and \u / \U are mistakes. Appends one error per bad
// escape and keeps going.
void DecodeLiteralBody(absl::string_view body, int32_t body_offset, bool raw, bool bytes, std::string* out,
                       std::vector<LiteralError>* errors);

// A double-quoted CEL string literal for `value` (valid UTF-8).
std::string QuoteString(absl::string_view value);
// A b"..." CEL bytes literal for `value`.
std::string QuoteBytes(absl::string_view value);

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_LITERALS_H_
