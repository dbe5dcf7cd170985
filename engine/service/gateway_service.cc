#include "engine/service/gateway_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/proto_time.h"
#include "engine/ingest/value_conversion.h"
#include "engine/service/grpc_status.h"
#include "proactive/v1/gateway.grpc.pb.h"

namespace proactive {
namespace {

absl::Status CheckLeaseId(const std::string& lease_id) {
  if (lease_id.size() > 64) return FieldError("lease_id", "must be at most 64 characters");
  for (char c : lease_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return FieldError("lease_id", "must be letters, digits, '-' or '_'");
    }
  }
  return absl::OkStatus();
}

class GatewayService final : public v1::Gateway::CallbackService {
 public:
  GatewayService(const Swappable<AccessPolicy>* access, EventWriter* writer, Clock* clock)
      : access_(access), writer_(writer), clock_(clock) {}

  grpc::ServerUnaryReactor* LeaseMessages(grpc::CallbackServerContext* context, const v1::LeaseMessagesRequest* request,
                                          v1::LeaseMessagesResponse* response) override {
    const int max = request->has_max_messages() ? request->max_messages() : 50;
    const int lease = request->has_lease_seconds() ? request->lease_seconds() : 60;
    absl::Status valid = max < 1 || max > 500        ? FieldError("max_messages", "must be in 1..500")
                         : lease < 5 || lease > 3600 ? FieldError("lease_seconds", "must be in 5..3600")
                                                     : CheckLeaseId(request->lease_id());
    std::optional<Principal> caller = access_->Get()->Identify(*context);
    const std::string gateway = caller ? caller->name : "unknown";
    return Run(context, kLeaseMessagesMethod, valid,
               [=, lease_id = request->lease_id()](EventApplier& a) -> absl::Status {
                 absl::StatusOr<std::vector<LeasedMessage>> leased =
                     a.gateway().Lease(gateway, lease_id, max, absl::Seconds(lease), clock_->Now());
                 if (!leased.ok()) return leased.status();
                 for (const LeasedMessage& l : *leased) {
                   v1::OutgoingSms* sms = response->add_messages();
                   sms->set_message_id(l.message.message_id());
                   sms->set_to(l.phone);
                   sms->set_text(l.message.text());
                   sms->set_reference_code(l.message.reference_code());
                   sms->set_urgent(l.message.urgent());
                   sms->set_attempt(l.message.attempts());
                   *sms->mutable_lease_expires_at() = l.message.lease_expires_at();
                 }
                 return absl::OkStatus();
               });
  }

  grpc::ServerUnaryReactor* AckMessage(grpc::CallbackServerContext* context, const v1::AckMessageRequest* request,
                                       v1::AckMessageResponse* response) override {
    // The SMS centre's id and a failure's text are kept as the gateway gives
    // them, never served: refusing an acknowledgement for them would send
    // the SMS again, refusing a report would lose the failure.
    return Run(context, kAckMessageMethod, CheckText(request->message_id(), "message_id", true),
               [=, id = request->message_id(), gid = request->gateway_message_id(),
                attempt = request->attempt()](EventApplier& a) -> absl::Status {
                 absl::StatusOr<bool> already = a.gateway().Ack(id, gid, clock_->Now(), attempt);
                 if (!already.ok()) return already.status();
                 response->set_already_acknowledged(*already);
                 return absl::OkStatus();
               });
  }

  grpc::ServerUnaryReactor* ReportDelivery(grpc::CallbackServerContext* context,
                                           const v1::ReportDeliveryRequest* request,
                                           v1::ReportDeliveryResponse* response) override {
    absl::Status valid = CheckText(request->message_id(), "message_id", true);
    if (valid.ok() && !request->has_delivered()) valid = FieldError("delivered", "is required (true or false)");
    return Run(context, kReportDeliveryMethod, valid,
               [=, id = request->message_id(), delivered = request->delivered(), failure = request->failure(),
                attempt = request->attempt()](EventApplier& a) -> absl::Status {
                 absl::StatusOr<std::string> status =
                     a.gateway().ReportDelivery(id, delivered, failure, clock_->Now(), attempt);
                 if (!status.ok()) return status.status();
                 response->set_status(*status);
                 return absl::OkStatus();
               });
  }

  grpc::ServerUnaryReactor* ReportReply(grpc::CallbackServerContext* context, const v1::ReportReplyRequest* request,
                                        v1::ReportReplyResponse* response) override {
    absl::Status valid = CheckText(request->gateway_message_id(), "gateway_message_id", true);
    if (valid.ok()) valid = CheckText(request->from(), "from", true);
    // Any SMS a handset can send fits (255 parts of 153 GSM characters, each
    // up to 3 bytes once the gateway has it in UTF-8): a long contest is kept
    // for a caseworker, never refused.
    constexpr size_t kMaxReplyTextBytes = 128 << 10;
    if (valid.ok()) valid = CheckTextField(request->text(), "text", kMaxReplyTextBytes, false);
    // Any time in the past is allowed (a reconciliation replays old replies),
    // but a time, not garbage.
    if (valid.ok() && request->has_received_at() && !IsValidProtoTimestamp(request->received_at())) {
      valid = FieldError("received_at", "is not a valid time");
    }
    const absl::Time received = request->has_received_at() ? FromProtoTimestamp(request->received_at()) : clock_->Now();
    return Run(context, kReportReplyMethod, valid,
               [=, from = request->from(), text = request->text(),
                gid = request->gateway_message_id()](EventApplier& a) -> absl::Status {
                 absl::StatusOr<ReplyResult> r = a.gateway().ReportReply(from, text, gid, received, clock_->Now());
                 if (!r.ok()) return r.status();
                 response->set_outcome(r->outcome);
                 if (!r->decision_id.empty()) response->set_decision_id(r->decision_id);
                 if (!r->reply_text.empty()) response->set_reply_text(r->reply_text);
                 response->set_reply_id(r->reply_id);
                 return absl::OkStatus();
               });
  }

  grpc::ServerUnaryReactor* ListLetters(grpc::CallbackServerContext* context, const v1::ListLettersRequest* request,
                                        v1::ListLettersResponse* response) override {
    const int max = request->has_max_letters() ? request->max_letters() : 100;
    absl::Status valid = max < 1 || max > 1000 ? FieldError("max_letters", "must be in 1..1000") : absl::OkStatus();
    return Run(context, kListLettersMethod, valid, [=](EventApplier& a) -> absl::Status {
      absl::StatusOr<GatewayCommands::LetterList> list = a.gateway().LettersToPost(max);
      if (!list.ok()) return list.status();
      for (const storage::v1::OutboxMessage& m : list->letters) {
        v1::Letter* letter = response->add_letters();
        letter->set_message_id(m.message_id());
        letter->set_person_id(m.recipient());
        letter->set_text(m.text());
        letter->set_reference_code(m.reference_code());
        letter->set_language(m.language());
        *letter->mutable_since() = m.ready_at();
      }
      response->set_total(list->waiting);
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* MarkLetterPosted(grpc::CallbackServerContext* context,
                                             const v1::MarkLetterPostedRequest* request,
                                             v1::MarkLetterPostedResponse* response) override {
    std::optional<Principal> caller = access_->Get()->Identify(*context);
    const bool gateway = caller && caller->roles.count(Role::kGateway) > 0;
    const std::string by = access_->Get()->Actor(*context, gateway ? "gateway" : "caseworker");
    return Run(context, kMarkLetterPostedMethod, CheckText(request->message_id(), "message_id", true),
               [=, id = request->message_id()](EventApplier& a) -> absl::Status {
                 absl::StatusOr<bool> already = a.gateway().MarkLetterPosted(id, by, clock_->Now());
                 if (!already.ok()) return already.status();
                 response->set_already_posted(*already);
                 return absl::OkStatus();
               });
  }

 private:
  static absl::Status CheckText(const std::string& text, absl::string_view field, bool required) {
    return CheckTextField(text, field, 2000, required);
  }

  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, absl::string_view method, absl::Status valid,
                                EventWriter::Command command) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = access_->Get()->Authorize(*context, method);
    if (status.ok()) status = valid;
    if (!status.ok()) {
      reactor->Finish(ToGrpcStatus(status));
      return reactor;
    }
    writer_->Execute(std::move(command), [reactor](absl::Status s) { reactor->Finish(ToGrpcStatus(s)); });
    return reactor;
  }

  const Swappable<AccessPolicy>* access_;
  EventWriter* writer_;
  Clock* clock_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewGatewayService(const Swappable<AccessPolicy>* access, EventWriter* writer,
                                                 Clock* clock) {
  return std::make_unique<GatewayService>(access, writer, clock);
}

}  // namespace proactive
