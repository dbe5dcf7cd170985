#include "connectors/sms-kannel/callback_server.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "connectors/sms-kannel/sms_text.h"
#include "engine/common/log.h"
#include "google/protobuf/util/time_util.h"
#include "httplib.h"

namespace proactive {
namespace {

constexpr absl::string_view kLog = "sms-in";

// How a reply is named in the log before the engine gave its id: Kannel's id,
// never the digest made without one (it is unkeyed: sender, time and text
// could be guessed back from it).
std::string LoggedReplyId(absl::string_view kannel_id) {
  return kannel_id.empty() ? std::string("(without a Kannel id)") : absl::StrCat("kannel:", kannel_id);
}

void Answer(httplib::Response& response, int status, absl::string_view body) {
  response.status = status;
  response.set_content(std::string(body), "text/plain; charset=utf-8");
}

int IntParam(const httplib::Request& request, const char* name, int otherwise) {
  int value = 0;
  if (!request.has_param(name) || !absl::SimpleAtoi(request.get_param_value(name), &value)) {
    return otherwise;
  }
  return value;
}

}  // namespace

v1::ReportReplyRequest MakeReplyRequest(const KannelReply& reply, absl::string_view country_code) {
  v1::ReportReplyRequest request;
  request.set_from(NormalizePhoneNumber(reply.from, country_code));
  request.set_to(reply.to);
  request.set_text(reply.text);
  *request.mutable_received_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(reply.received_at));
  request.set_gateway_message_id(ReplyGatewayId(reply.kannel_id, reply.from, reply.received_at, reply.text));
  return request;
}

std::string SanitizeDlrAnswer(absl::string_view answer) {
  answer = absl::StripAsciiWhitespace(answer);
  if (absl::StrContains(answer, "stat:")) {
    std::vector<absl::string_view> kept;
    for (absl::string_view word : absl::StrSplit(answer, ' ')) {
      if (absl::StartsWith(word, "stat:") || absl::StartsWith(word, "err:")) kept.push_back(word);
    }
    return ShortGatewayText(absl::StrJoin(kept, " "), kMaxDlrAnswerBytes);
  }
  size_t text = answer.find("text:");
  if (text != absl::string_view::npos) answer = answer.substr(0, text);
  return ShortGatewayText(answer, kMaxDlrAnswerBytes);
}

CallbackServer::CallbackServer(GatewayApi* engine, SmsCounters* counters, CallbackOptions options, SendJournal* journal)
    : engine_(engine),
      counters_(counters),
      options_(std::move(options)),
      journal_(journal),
      server_(std::make_unique<httplib::Server>()) {}

CallbackServer::~CallbackServer() { Stop(); }

absl::Status CallbackServer::Start() {
  server_->Get("/dlr", [this](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.get_param_value("id");
    const int status = IntParam(request, "status", -1);
    if (id.empty() || status < 0) {
      Answer(response, 400, "expected /dlr?id=<message id>&status=%d\n");
      return;
    }
    if (status == 4 || status == 8) {  // buffered, or accepted by the SMSC
      Answer(response, 200, "intermediate report, not forwarded\n");
      return;
    }
    if (status != 1 && status != 2 && status != 16) {
      LogWarning(kLog, absl::StrCat("message ", id, ": delivery report ", status, " ignored"));
      Answer(response, 200, "unknown report type, ignored\n");
      return;
    }
    // Which send it is about (dlr-urls written before 2026-12-07 have none):
    // a late report of an earlier send must not fail the retry.
    const int attempt = std::max(IntParam(request, "attempt", 0), 0);
    const SendJournal::OpenSend open = journal_ != nullptr ? journal_->Lookup(id) : SendJournal::OpenSend{};
    const uint32_t journaled = open.attempt;
    // Both name the send, or neither does (a send and its dlr-url written
    // before 2026-12-07): a report without one about a send that has one is
    // of an earlier send.
    if (open.state != SendJournal::State::kUnknown && static_cast<uint32_t>(attempt) == journaled) {
      // The report overtook the sending loop's acknowledgement (not one of
      // an earlier send, whose retry may not have reached Kannel yet).
      v1::AckMessageRequest ack;
      ack.set_message_id(id);
      if (journaled > 0) ack.set_attempt(journaled);
      absl::StatusOr<v1::AckMessageResponse> acked = engine_->Ack(ack);
      if (!acked.ok() && IsTransientEngineError(acked.status())) {
        ++counters_->engine_errors;
        Answer(response, 503, "engine unavailable, retry later\n");
        return;
      }
      if (acked.ok()) {
        if (!acked->already_acknowledged()) {
          ++counters_->acked;
          LogInfo(kLog, absl::StrCat("message ", id, " acknowledged on its delivery report"));
        }
        absl::Status forgotten = journal_->MarkAcked(id);
        if (!forgotten.ok()) LogError(kLog, absl::StrCat("journal: ", forgotten.message()));
      } else {
        LogWarning(kLog,
                   absl::StrCat("message ", id, ": the engine refused its acknowledgement on the delivery report: ",
                                acked.status().ToString()));
      }
    }
    v1::ReportDeliveryRequest report;
    report.set_message_id(id);
    report.set_delivered(status == 1);
    if (attempt > 0) report.set_attempt(attempt);
    if (status != 1) {
      std::string why = SanitizeDlrAnswer(request.get_param_value("answer"));
      report.set_failure(
          absl::StrCat(status == 16 ? "rejected by the SMS centre" : "not delivered", why.empty() ? "" : ": ", why));
    }
    absl::StatusOr<v1::ReportDeliveryResponse> answer = engine_->ReportDelivery(report);
    if (!answer.ok()) {
      if (IsTransientEngineError(answer.status())) {
        ++counters_->engine_errors;
        LogWarning(kLog, absl::StrCat("message ", id, ": delivery report not yet taken (", answer.status().message(),
                                      "); Kannel will retry"));
        Answer(response, 503, "engine unavailable, retry later\n");
        return;
      }
      LogError(kLog,
               absl::StrCat("message ", id, ": the engine refused the delivery report: ", answer.status().ToString()));
      Answer(response, 200, "refused by the engine, not retried\n");
      return;
    }
    ++(status == 1 ? counters_->delivered : counters_->failed);
    LogInfo(kLog,
            absl::StrCat("message ", id, ": ", status == 1 ? "delivered" : "not delivered", " -> ", answer->status()));
    Answer(response, 200, absl::StrCat(answer->status(), "\n"));
  });

  server_->Get("/mo", [this](const httplib::Request& request, httplib::Response& response) {
    const std::string from = request.get_param_value("from");
    if (from.empty() || !request.has_param("text")) {
      Answer(response, 400, "expected /mo?from=%p&to=%P&text=%a&id=%I&ts=%T&coding=%c\n");
      return;
    }
    const std::string kannel_id = request.get_param_value("id");
    int64_t ts = 0;
    absl::Time received_at = absl::Now();
    if (absl::SimpleAtoi(request.get_param_value("ts"), &ts) && ts > 0) received_at = absl::FromUnixSeconds(ts);
    const std::string text = DecodeKannelText(request.get_param_value("text"), IntParam(request, "coding", 0));
    const v1::ReportReplyRequest reply =
        MakeReplyRequest({from, request.get_param_value("to"), text, kannel_id, received_at}, options_.country_code);
    absl::StatusOr<v1::ReportReplyResponse> answer = engine_->ReportReply(reply);
    if (!answer.ok()) {
      if (IsTransientEngineError(answer.status())) {
        ++counters_->engine_errors;
        LogWarning(kLog, absl::StrCat("reply ", LoggedReplyId(kannel_id), " not yet taken (", answer.status().message(),
                                      "); Kannel will retry"));
        Answer(response, 503, "engine unavailable, retry later\n");
        return;
      }
      LogError(kLog, absl::StrCat("reply ", LoggedReplyId(kannel_id),
                                  ": refused by the engine: ", answer.status().ToString()));
      Answer(response, 200, "");
      return;
    }
    ++counters_->replies;
    const bool duplicate = answer->outcome() == "duplicate";
    if (duplicate) ++counters_->duplicate_replies;
    LogInfo(kLog, absl::StrCat("reply ", answer->reply_id().empty() ? LoggedReplyId(kannel_id) : answer->reply_id(),
                               ": ", answer->outcome(),
                               answer->decision_id().empty() ? "" : absl::StrCat(" (", answer->decision_id(), ")")));
    Answer(response, 200, duplicate ? "" : answer->reply_text());
  });

  server_->Get("/health", [this](const httplib::Request&, httplib::Response& response) {
    Answer(response, 200, absl::StrCat("ok: ", counters_->Summary(), "\n"));
  });

  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else if (server_->bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":", options_.port));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Stop() only stops a server that is running.
  for (int i = 0; i < 1000 && !server_->is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
  return absl::OkStatus();
}

void CallbackServer::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace proactive
