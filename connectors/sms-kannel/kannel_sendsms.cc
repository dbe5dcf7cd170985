#include "connectors/sms-kannel/kannel_sendsms.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "connectors/common/http_fetcher.h"
#include "connectors/sms-kannel/sms_text.h"
#include "httplib.h"

namespace proactive {
namespace {

std::chrono::microseconds ToChrono(absl::Duration d) { return std::chrono::microseconds(absl::ToInt64Microseconds(d)); }

// The first line of Kannel's answer, short and in UTF-8 (it goes into a
// refusal's report): "0: Accepted for delivery", "Authorization failed for
// sendsms".
std::string Summarize(absl::string_view body) { return ShortGatewayText(body.substr(0, body.find('\n')), 120); }

// Later Kannel versions answer "0: Accepted for delivery: <uuid>"; 1.4.5
// gives no id.
std::string IdInAnswer(absl::string_view body) {
  absl::string_view line = absl::StripAsciiWhitespace(body);
  constexpr absl::string_view kAccepted = "Accepted for delivery";
  size_t at = line.find(kAccepted);
  if (at == absl::string_view::npos) return "";
  absl::string_view rest = line.substr(at + kAccepted.size());
  if (!absl::ConsumePrefix(&rest, ":")) return "";
  rest = absl::StripAsciiWhitespace(rest);
  return std::string(rest.substr(0, rest.find_first_of(" \r\n")));
}

}  // namespace

KannelSendsms::KannelSendsms(KannelOptions options) : options_(std::move(options)) {
  absl::string_view rest = options_.sendsms_url;
  std::string scheme;
  if (absl::ConsumePrefix(&rest, "http://")) {
    scheme = "http://";
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    scheme = "https://";
  } else {
    return;
  }
  size_t slash = rest.find('/');
  origin_ = absl::StrCat(scheme, rest.substr(0, slash));
  path_ = slash == absl::string_view::npos ? "/cgi-bin/sendsms" : std::string(rest.substr(slash));
  client_ = std::make_unique<httplib::Client>(origin_);
  if (!client_->is_valid()) {
    client_.reset();
    return;
  }
  client_->set_connection_timeout(ToChrono(options_.connect_timeout));
  client_->set_read_timeout(ToChrono(options_.read_timeout));
  client_->set_write_timeout(ToChrono(options_.connect_timeout));
  // A fresh connection per message: a kept-alive one that Kannel closed
  // would fail as a read error, indistinguishable from a lost answer.
  client_->set_keep_alive(false);
  // The query is already percent-encoded.
  client_->set_url_encode(false);
}

KannelSendsms::~KannelSendsms() = default;

std::string KannelSendsms::RequestTarget(const v1::OutgoingSms& sms, int coding) const {
  std::string id;
  if (!EscapeIdForDlrUrl(sms.message_id(), &id)) return "";
  const std::string dlr_url = absl::StrCat(options_.dlr_url, absl::StrContains(options_.dlr_url, '?') ? "&" : "?",
                                           "id=", id, "&attempt=", sms.attempt(), "&status=%d&answer=%A");
  std::string target =
      absl::StrCat(path_, "?username=", UrlEncode(options_.username), "&password=", UrlEncode(options_.password),
                   "&to=", UrlEncode(sms.to()), "&text=", UrlEncode(sms.text()), "&charset=UTF-8&coding=", coding);
  if (!options_.from.empty()) absl::StrAppend(&target, "&from=", UrlEncode(options_.from));
  if (!options_.smsc.empty()) absl::StrAppend(&target, "&smsc=", UrlEncode(options_.smsc));
  if (options_.dlr_mask > 0 && !options_.dlr_url.empty()) {
    absl::StrAppend(&target, "&dlr-mask=", options_.dlr_mask, "&dlr-url=", UrlEncode(dlr_url));
  }
  absl::StrAppend(&target, "&binfo=", UrlEncode(sms.message_id()));
  return target;
}

SendResult KannelSendsms::Send(const v1::OutgoingSms& sms) {
  SendResult result;
  result.coding = options_.coding == CodingPolicy::kAuto && FitsGsm7(sms.text()) ? 0 : 2;
  result.parts = SmsParts(sms.text(), result.coding);
  if (client_ == nullptr) {
    result.outcome = SendOutcome::kUnavailable;
    result.detail = absl::StrCat("\"", options_.sendsms_url, "\" is not a URL like http://host:port/path");
    return result;
  }
  if (result.parts > options_.max_parts) {
    result.outcome = SendOutcome::kRefused;
    result.detail = absl::StrCat("needs ", result.parts, " SMS parts (coding ", result.coding, "), more than the ",
                                 options_.max_parts, " Kannel may send (--max_parts): it would be cut");
    return result;
  }
  if (sms.to().empty() || sms.message_id().empty()) {
    result.outcome = SendOutcome::kRefused;
    result.detail = "the message has no recipient number or no id";
    return result;
  }
  const std::string target = RequestTarget(sms, result.coding);
  if (target.empty()) {
    result.outcome = SendOutcome::kRefused;
    result.detail = "the message id is not printable ASCII";
    return result;
  }
  httplib::Result answer = client_->Get(target);
  if (!answer) {
    const httplib::Error error = answer.error();
    result.detail = absl::StrCat("sendsms: ", httplib::to_string(error));
    // Refused or unsent connections cannot have queued anything; a request
    // that went out without an answer may have.
    result.outcome = error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout ||
                             error == httplib::Error::Write || error == httplib::Error::BindIPAddress ||
                             error == httplib::Error::SSLConnection
                         ? SendOutcome::kUnavailable
                         : SendOutcome::kAmbiguous;
    return result;
  }
  result.http_status = answer->status;
  result.detail = Summarize(answer->body);
  if (answer->status >= 200 && answer->status < 300) {
    result.outcome = SendOutcome::kAccepted;
    result.gateway_message_id = IdInAnswer(answer->body);
  } else if (answer->status == 403 || answer->status == 401 || answer->status == 429 || answer->status >= 500) {
    result.outcome = SendOutcome::kUnavailable;
  } else {
    result.outcome = SendOutcome::kRefused;
  }
  return result;
}

}  // namespace proactive
