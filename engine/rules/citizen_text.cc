#include "engine/rules/citizen_text.h"

#include "absl/strings/str_cat.h"

namespace proactive {

// Why the braces of a message template do not pair ("{" never closed, "}"
// never opened, "{" inside a name); empty when they do. A citizen would
// otherwise read the braces.
std::string UnpairedBraces(absl::string_view text) {
  bool open = false;
  for (char c : text) {
    if (c == '{') {
      if (open) return "has \"{\" inside a {name}";
      open = true;
    } else if (c == '}') {
      if (!open) return "has \"}\" without \"{\"";
      open = false;
    }
  }
  return open ? "has \"{\" without \"}\"" : "";
}

// "{name}" placeholders of a message template.
std::vector<std::string> Placeholders(absl::string_view text) {
  std::vector<std::string> names;
  for (size_t open = text.find('{'); open != absl::string_view::npos; open = text.find('{', open + 1)) {
    size_t close = text.find('}', open);
    if (close == absl::string_view::npos) break;
    names.emplace_back(text.substr(open + 1, close - open - 1));
  }
  return names;
}

std::string RenderTemplate(absl::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    if (open == absl::string_view::npos) break;
    size_t close = text.find('}', open);
    if (close == absl::string_view::npos) break;
    absl::StrAppend(&out, text.substr(i, open - i));
    auto it = values.find(std::string(text.substr(open + 1, close - open - 1)));
    absl::StrAppend(&out, it != values.end() ? absl::string_view(it->second) : text.substr(open, close - open + 1));
    i = close + 1;
  }
  absl::StrAppend(&out, text.substr(i));
  return out;
}

std::string RenderCitizenText(const LocalizedText& texts, const std::map<std::string, std::string>& values,
                              const std::string& language, const CitySpec& city, absl::string_view kind) {
  auto text = texts.find(language);
  if (text == texts.end()) text = texts.find("fr");
  std::string body = text == texts.end() ? "" : RenderTemplate(text->second, values);
  if (kind == kContestReceivedMessageKind) return body;
  const LocalizedText& notices =
      kind == kReviewMessageKind && !city.review_notice.empty() ? city.review_notice : city.algorithm_notice;
  auto notice = notices.find(language);
  if (notice != notices.end()) absl::StrAppend(&body, " ", RenderTemplate(notice->second, values));
  return body;
}

}  // namespace proactive
