#include "engine/lang/literals.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/common/utf8.h"

namespace proactive::lang {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads `count` hex digits at body[i...]; -1 when they are not all there.
int64_t ReadHex(absl::string_view body, size_t i, int count) {
  if (i + count > body.size()) return -1;
  int64_t value = 0;
  for (int k = 0; k < count; ++k) {
    const int d = HexDigit(body[i + k]);
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

}  // namespace

void DecodeLiteralBody(absl::string_view body, int32_t body_offset, bool raw, bool bytes, std::string* out,
                       std::vector<LiteralError>* errors) {
  if (raw) {
    out->append(body.data(), body.size());
    return;
  }
  const auto error = [&](size_t at, std::string message) {
    errors->push_back(LiteralError{body_offset + static_cast<int32_t>(at), std::move(message)});
  };
  // A code point (strings) or an octet (bytes) from a numeric escape.
  const auto emit_unit = [&](uint32_t value) {
    if (bytes) {
      out->push_back(static_cast<char>(value));
    } else {
      AppendUtf8(value, out);
    }
  };
  size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    const size_t start = i;
    if (i + 1 >= body.size()) {
      error(start, "a backslash must be followed by an escape such as \\n or \\\\");
      return;
    }
    const char e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out->push_back('\a');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case '\\':
      case '\'':
      case '"':
      case '`':
      case '?':
        out->push_back(e);
        break;
      case 'x':
      case 'X': {
        const int64_t v = ReadHex(body, i, 2);
        if (v < 0) {
          error(start, "\\x must be followed by two hex digits");
          break;
        }
        i += 2;
        emit_unit(static_cast<uint32_t>(v));
        break;
      }
      case 'u':
      case 'U': {
        const int digits = e == 'u' ? 4 : 8;
        const int64_t v = ReadHex(body, i, digits);
        if (v < 0) {
          error(start, absl::StrCat("\\", std::string(1, e), " must be followed by ", digits, " hex digits"));
          break;
        }
        i += digits;
        if (bytes) {
          error(start, absl::StrCat("\\", std::string(1, e), " escapes are only allowed in strings, not in bytes"));
        } else if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) {
          error(start, absl::StrFormat("\\%c%0*X is not a Unicode code point", e, digits, v));
        } else {
          AppendUtf8(static_cast<uint32_t>(v), out);
        }
        break;
      }
      case '0':
      case '1':
      case '2':
      case '3': {
        if (i + 2 > body.size() || body[i] < '0' || body[i] > '7' || body[i + 1] < '0' || body[i + 1] > '7') {
          error(start, "an octal escape is a backslash and three digits 000 to 377");
          break;
        }
        const uint32_t v = (e - '0') * 64 + (body[i] - '0') * 8 + (body[i + 1] - '0');
        i += 2;
        emit_unit(v);
        break;
      }
      default:
        error(start, absl::StrCat("unknown escape sequence \\", std::string(1, e)));
        break;
    }
  }
}

namespace {

void AppendEscaped(unsigned char c, std::string* out) {
  switch (c) {
    case '\a':
      out->append("\\a");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\v':
      out->append("\\v");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '"':
      out->append("\\\"");
      return;
    default:
      out->append(absl::StrFormat("\\x%02x", c));
  }
}

}  // namespace

std::string QuoteString(absl::string_view value) {
  std::string out = "\"";
  for (char ch : value) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || c == '\\' || c == '"') {
      AppendEscaped(c, &out);
    } else {
      out.push_back(ch);  // UTF-8 passes through
    }
  }
  out.push_back('"');
  return out;
}

std::string QuoteBytes(absl::string_view value) {
  std::string out = "b\"";
  for (char ch : value) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == '\\' || c == '"') {
      AppendEscaped(c, &out);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace proactive::lang
