// An in-memory engine for unit tests of the SMS connector: it leases the
// messages the test queued, records acknowledgements, delivery reports and
// replies (answering "duplicate" for a gateway_message_id seen before), and
// can be switched unavailable.
//
//   FakeGateway engine;
//   engine.Queue(Sms("m1", "+33639980002", "Bonjour"));
//   OutboxPump pump(&engine, &kannel, journal.get(), &counters, {});
//   pump.RunOnce();
//   EXPECT_THAT(engine.acked(), ElementsAre("m1"));
#ifndef PROACTIVE_TESTS_CONNECTORS_FAKE_GATEWAY_H_
#define PROACTIVE_TESTS_CONNECTORS_FAKE_GATEWAY_H_

#include <deque>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "connectors/sms-kannel/gateway_api.h"

namespace proactive::testing {

inline v1::OutgoingSms Sms(const std::string& id, const std::string& to, const std::string& text) {
  v1::OutgoingSms sms;
  sms.set_message_id(id);
  sms.set_to(to);
  sms.set_text(text);
  sms.set_attempt(1);
  return sms;
}

class FakeGateway final : public GatewayApi {
 public:
  void Queue(v1::OutgoingSms sms) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(sms));
  }
  void SetUnavailable(bool unavailable) {
    absl::MutexLock lock(&mu_);
    unavailable_ = unavailable;
  }

  absl::StatusOr<v1::LeaseMessagesResponse> Lease(const v1::LeaseMessagesRequest& request) override {
    absl::MutexLock lock(&mu_);
    ++leases_;
    lease_ids_.push_back(request.lease_id());
    if (unavailable_) return absl::UnavailableError("engine down");
    const int max_messages = request.max_messages();
    v1::LeaseMessagesResponse response;
    // Like the engine: what is not acknowledged comes back.
    for (const v1::OutgoingSms& sms : queue_) {
      if (static_cast<int>(response.messages_size()) >= max_messages) break;
      if (acked_set_.count(sms.message_id()) == 0) *response.add_messages() = sms;
    }
    return response;
  }
  absl::StatusOr<v1::AckMessageResponse> Ack(const v1::AckMessageRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (unavailable_) return absl::UnavailableError("engine down");
    v1::AckMessageResponse response;
    const bool first = acked_set_.insert(request.message_id()).second;
    response.set_already_acknowledged(!first);
    if (first) acked_.push_back(request.message_id());
    ack_requests_.push_back(request);
    return response;
  }
  absl::StatusOr<v1::ReportDeliveryResponse> ReportDelivery(const v1::ReportDeliveryRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (unavailable_) return absl::UnavailableError("engine down");
    if (request.message_id() == "unknown") return absl::NotFoundError("no message unknown");
    deliveries_.push_back(request);
    // A refused message is not leased again in this fake.
    if (!request.delivered()) acked_set_.insert(request.message_id());
    v1::ReportDeliveryResponse response;
    response.set_status(request.delivered() ? "delivered" : "will retry");
    return response;
  }
  absl::StatusOr<v1::ReportReplyResponse> ReportReply(const v1::ReportReplyRequest& request) override {
    absl::MutexLock lock(&mu_);
    if (unavailable_) return absl::UnavailableError("engine down");
    if (request.from().empty()) return absl::InvalidArgumentError("no from");
    replies_.push_back(request);
    v1::ReportReplyResponse response;
    if (!reply_ids_.insert(request.gateway_message_id()).second) {
      response.set_outcome("duplicate");
      response.set_reply_text("Merci, c'est noté.");
    } else {
      response.set_outcome("accepted");
      response.set_reply_text("Merci, c'est noté.");
    }
    return response;
  }

  // Messages acknowledged, each once, in order.
  std::vector<std::string> acked() const {
    absl::MutexLock lock(&mu_);
    return acked_;
  }
  // Every acknowledgement asked, repeated ones included, in order.
  std::vector<v1::AckMessageRequest> ack_requests() const {
    absl::MutexLock lock(&mu_);
    return ack_requests_;
  }
  std::vector<v1::ReportDeliveryRequest> deliveries() const {
    absl::MutexLock lock(&mu_);
    return deliveries_;
  }
  std::vector<v1::ReportReplyRequest> replies() const {
    absl::MutexLock lock(&mu_);
    return replies_;
  }
  int leases() const {
    absl::MutexLock lock(&mu_);
    return leases_;
  }
  // The lease_id of each lease asked, in order.
  std::vector<std::string> lease_ids() const {
    absl::MutexLock lock(&mu_);
    return lease_ids_;
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<v1::OutgoingSms> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> acked_set_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> acked_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::AckMessageRequest> ack_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::ReportDeliveryRequest> deliveries_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::ReportReplyRequest> replies_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> reply_ids_ ABSL_GUARDED_BY(mu_);
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  int leases_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> lease_ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_CONNECTORS_FAKE_GATEWAY_H_
