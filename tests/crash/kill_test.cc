// kill -9 under load, on the real daemon: after every restart, every
// acknowledged event is present exactly once (publishing it again answers
// DUPLICATE with its original log position) and no batch is torn (a child
// and its guardian both carry their link). The children turn three in the
// school year of the engine's clock: each one's event makes a maternelle
// offer with one SMS to the guardian. After the last restart every offer
// exists once with one message in the outbox, and the audit chain verifies.
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "engine/client/channel.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proactive/v1/audit.grpc.pb.h"
#include "proactive/v1/decisions.grpc.pb.h"
#include "proactive/v1/gateway.grpc.pb.h"
#include "proactive/v1/ingestion.grpc.pb.h"
#include "proactive/v1/persons.grpc.pb.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;

constexpr char kOfferRule[] = "maternelle.first-enrolment-offer";
// Children born in 2023 turn three in the school year 2026: offered a place.
constexpr char kClockStart[] = "--clock_start=2026-06-29T08:00:00Z";
// Every restart sets the clock back to kClockStart; the last one starts
// later, so that every SMS made in any cycle is ready to lease.
constexpr char kLastClockStart[] = "--clock_start=2026-06-29T12:00:00Z";

// Events go in tens: a guardian with a phone, then nine children linked to
// that guardian. A stream starts at a multiple of ten, so a child's guardian
// is always published before the child.
bool IsGuardian(int64_t n) { return n % 10 == 0; }
std::string GuardianOf(int64_t n) { return absl::StrCat("G", n / 10); }

v1::PublishRequest Birth(int64_t n) {
  if (IsGuardian(n)) {
    v1::PublishRequest r;
    v1::PersonEvent* e = r.mutable_person();
    e->set_event_id(absl::StrCat("k", n));
    e->set_person_id(GuardianOf(n));
    e->set_source("paris-compte");
    *e->mutable_occurred_at() = testing::At(2026, 6, 1);
    v1::Attribute* phone = e->add_set();
    phone->set_name("phone");
    // ARCEP's range for fiction, 06 39 98 xx xx.
    *phone->mutable_value() = testing::StringValue(absl::StrFormat("+3363998%04d", (n / 10) % 10000));
    return r;
  }
  v1::PublishRequest r = testing::BirthEvent(absl::StrCat("k", n), absl::StrCat("C", n));
  v1::Attribute* arrondissement = r.mutable_person()->add_set();
  arrondissement->set_name("arrondissement");
  *arrondissement->mutable_value() = testing::IntValue(11);
  v1::Link* link = r.mutable_person()->add_links_added();
  link->set_relation(v1::RELATION_GUARDIAN);
  link->set_person_id(GuardianOf(n));
  return r;
}

// Streams events from `first` on until the stream breaks; records each
// acknowledged event's log sequence.
void PublishUntilKilled(const std::string& address, int64_t first, absl::Mutex* mu,
                        std::map<int64_t, uint64_t>* acknowledged) {
  auto stub = v1::Ingestion::NewStub(ConnectToEngine(address));
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(60));
  auto stream = stub->PublishStream(&context);
  std::thread writer([&] {
    for (int64_t n = first; n < first + 100000; ++n) {
      if (!stream->Write(Birth(n))) break;
    }
    stream->WritesDone();
  });
  v1::PublishResponse response;
  while (stream->Read(&response)) {
    if (response.outcome() != v1::PublishResponse::ACCEPTED) continue;
    int64_t n = std::stoll(response.event_id().substr(1));
    absl::MutexLock lock(mu);
    (*acknowledged)[n] = response.log_sequence();
  }
  writer.join();
  (void)stream->Finish();
}

// Publishes the events again; all must come back DUPLICATE at their original
// sequence. Returns how many did not (lost or duplicated).
int64_t CountMissing(const std::string& address, const std::map<int64_t, uint64_t>& events) {
  auto stub = v1::Ingestion::NewStub(ConnectToEngine(address));
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(120));
  auto stream = stub->PublishStream(&context);
  std::thread writer([&] {
    for (const auto& [n, sequence] : events) {
      if (!stream->Write(Birth(n))) break;
    }
    stream->WritesDone();
  });
  int64_t missing = 0, answered = 0;
  v1::PublishResponse response;
  while (stream->Read(&response)) {
    ++answered;
    int64_t n = std::stoll(response.event_id().substr(1));
    if (response.outcome() != v1::PublishResponse::DUPLICATE || response.log_sequence() != events.at(n)) {
      ++missing;
      ADD_FAILURE() << "event k" << n << " acknowledged at " << events.at(n) << " came back as outcome "
                    << response.outcome() << " at " << response.log_sequence();
    }
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(answered, static_cast<int64_t>(events.size()));
  return missing;
}

bool BirthIsWhole(v1::Persons::Stub* persons, int64_t n) {
  const auto get = [&](const std::string& id, v1::Person* person) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetPersonRequest request;
    request.set_person_id(id);
    return persons->GetPerson(&context, request, person).ok();
  };
  v1::Person child, guardian;
  if (IsGuardian(n)) return get(GuardianOf(n), &guardian) && guardian.attributes_size() == 1;
  if (!get(absl::StrCat("C", n), &child) || !get(GuardianOf(n), &guardian)) return false;
  if (child.links_size() != 1 || child.attributes_size() != 2) return false;
  for (const v1::Link& link : guardian.links()) {
    if (link.person_id() == absl::StrCat("C", n)) return true;
  }
  return false;
}

// What the last restart finds of the offers and their SMS.
struct OfferFigures {
  int64_t decisions = 0, messages = 0;
  int64_t lost_decisions = 0, duplicated_decisions = 0;
  int64_t lost_messages = 0, duplicated_messages = 0, orphan_messages = 0;
  // Of decisions whose event was durable but not acknowledged before the kill.
  int64_t unacknowledged_messages = 0;
};

// Leases every SMS waiting in the outbox, for an hour: each message id once.
// Returns (decision id, kind) -> how many messages. Stops at a lease that
// brings nothing new, so that an outbox handing out the same ids again ends.
std::map<std::pair<std::string, std::string>, int> LeaseEverything(const std::string& address, OfferFigures* figures) {
  auto gateway = v1::Gateway::NewStub(ConnectToEngine(address));
  std::map<std::pair<std::string, std::string>, int> per_kind;
  std::set<std::string> leased;
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(30));
    v1::LeaseMessagesRequest request;
    request.set_max_messages(500);
    request.set_lease_seconds(3600);
    v1::LeaseMessagesResponse response;
    grpc::Status status = gateway->LeaseMessages(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || response.messages_size() == 0) break;
    bool fresh = false;
    for (const v1::OutgoingSms& sms : response.messages()) {
      if (!leased.insert(sms.message_id()).second) {
        if (++figures->duplicated_messages <= 5) ADD_FAILURE() << "message " << sms.message_id() << " leased twice";
        continue;
      }
      fresh = true;
      ++figures->messages;
      // "<decision id>/<kind>/<recipient>"
      std::vector<std::string> parts = absl::StrSplit(sms.message_id(), '/');
      if (parts.size() == 3) ++per_kind[{parts[0], parts[1]}];
    }
    if (!fresh) break;
  }
  return per_kind;
}

// Every acknowledged child has exactly one offer, with exactly one SMS (its
// one guardian); no message is left without its decision.
OfferFigures CheckOffers(const std::string& address, const std::map<int64_t, uint64_t>& acknowledged) {
  OfferFigures figures;
  auto decisions = v1::Decisions::NewStub(ConnectToEngine(address));
  std::set<std::string> offers;
  for (const auto& [n, sequence] : acknowledged) {
    if (IsGuardian(n)) continue;
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::ListDecisionsRequest request;
    request.set_person_id(absl::StrCat("C", n));
    v1::ListDecisionsResponse response;
    EXPECT_TRUE(decisions->ListDecisions(&context, request, &response).ok());
    int found = 0;
    for (const v1::Decision& d : response.decisions()) {
      if (d.rule_id() != kOfferRule) continue;
      ++found;
      offers.insert(d.decision_id());
    }
    figures.decisions += found;
    if (found == 0) ++figures.lost_decisions;
    if (found > 1) figures.duplicated_decisions += found - 1;
    EXPECT_EQ(found, 1) << "child C" << n << " (event k" << n << ") has " << found << " offers";
  }
  std::map<std::pair<std::string, std::string>, int> per_kind = LeaseEverything(address, &figures);
  for (const std::string& offer : offers) {
    const int sent = per_kind.count({offer, "decision"}) ? per_kind.at({offer, "decision"}) : 0;
    if (sent == 0) ++figures.lost_messages;
    if (sent > 1) figures.duplicated_messages += sent - 1;
    EXPECT_EQ(sent, 1) << "offer " << offer << " has " << sent << " SMS in the outbox";
  }
  // Messages of events made durable but never acknowledged: their decision
  // must exist all the same (one batch).
  for (const auto& [key, count] : per_kind) {
    if (offers.count(key.first) > 0) continue;
    figures.unacknowledged_messages += count;
    grpc::ClientContext context;
    SetDeadline(&context, absl::Seconds(10));
    v1::GetDecisionRequest request;
    request.set_decision_id(key.first);
    v1::Decision decision;
    if (!decisions->GetDecision(&context, request, &decision).ok()) {
      ++figures.orphan_messages;
      ADD_FAILURE() << "message of decision " << key.first << " without its decision";
    }
  }
  return figures;
}

v1::VerifyAuditResponse VerifyAudit(const std::string& address) {
  auto audit = v1::Audit::NewStub(ConnectToEngine(address));
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(120));
  v1::VerifyAuditResponse response;
  grpc::Status status = audit->VerifyAudit(&context, v1::VerifyAuditRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

int CyclesFromEnvironment() {
  const char* value = std::getenv("PROACTIVE_CRASH_CYCLES");
  return value != nullptr ? std::atoi(value) : 200;
}

TEST(KillTest, AcknowledgedEventsDecisionsAndMessagesSurviveKillNine) {
  const int cycles = CyclesFromEnvironment();
  testing::TempDir dir;
  testing::DaemonOptions options{dir.path() + "/data"};
  options.extra_flags = {kClockStart};
  testing::DaemonProcess daemon(options);
  std::mt19937_64 random(20261121);
  absl::Mutex mu;
  std::map<int64_t, uint64_t> acknowledged;
  int64_t next = 0, missing = 0, torn = 0;

  for (int cycle = 0; cycle < cycles; ++cycle) {
    ASSERT_THAT(daemon.Start(), IsOk());
    std::map<int64_t, uint64_t> before;
    {
      absl::MutexLock lock(&mu);
      before = acknowledged;
    }
    std::thread publisher(PublishUntilKilled, daemon.address(), next, &mu, &acknowledged);
    // Each event now makes a decision, its SMS and audit entry: a little
    // longer, so that every cycle still acknowledges some.
    absl::SleepFor(absl::Milliseconds(10 + random() % 90));
    daemon.Kill();
    publisher.join();
    next += 100000;

    ASSERT_THAT(daemon.Start(), IsOk());
    std::map<int64_t, uint64_t> this_cycle;
    {
      absl::MutexLock lock(&mu);
      for (const auto& [n, s] : acknowledged) {
        if (before.count(n) == 0) this_cycle.emplace(n, s);
      }
    }
    missing += CountMissing(daemon.address(), this_cycle);
    auto persons = v1::Persons::NewStub(ConnectToEngine(daemon.address()));
    for (const auto& [n, s] : this_cycle) {
      if (!BirthIsWhole(persons.get(), n)) ++torn;
    }
    daemon.Kill();
  }
  // A last restart checks everything acknowledged in every cycle.
  options.extra_flags = {kLastClockStart};
  testing::DaemonProcess last(options);
  ASSERT_THAT(last.Start(), IsOk());
  missing += CountMissing(last.address(), acknowledged);
  const OfferFigures offers = CheckOffers(last.address(), acknowledged);
  const v1::VerifyAuditResponse audit = VerifyAudit(last.address());
  ASSERT_THAT(last.Stop(), IsOk());
  absl::PrintF(
      "kill -9: %d cycles, %d events acknowledged, lost or duplicated = %d, torn = %d\n"
      "  offers: %d decisions, lost = %d, duplicated = %d\n"
      "  outbox: %d SMS (%d of them from events durable but not acknowledged before the kill), "
      "lost = %d, duplicated = %d, without their decision = %d\n"
      "  audit chain: %d entries, %s\n",
      cycles, acknowledged.size(), missing, torn, offers.decisions, offers.lost_decisions, offers.duplicated_decisions,
      offers.messages, offers.unacknowledged_messages, offers.lost_messages, offers.duplicated_messages,
      offers.orphan_messages, audit.entries(),
      audit.intact() ? "intact" : absl::StrCat("BROKEN at ", audit.first_broken_entry(), ": ", audit.problem()));
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(cycles));
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(torn, 0);
  EXPECT_GT(offers.decisions, 0);
  EXPECT_EQ(offers.lost_decisions + offers.duplicated_decisions, 0);
  EXPECT_EQ(offers.lost_messages + offers.duplicated_messages + offers.orphan_messages, 0);
  EXPECT_TRUE(audit.intact()) << audit.problem();
  // Each offer is at least its creation in the chain.
  EXPECT_GE(audit.entries(), static_cast<uint64_t>(offers.decisions));
}

}  // namespace
}  // namespace proactive
