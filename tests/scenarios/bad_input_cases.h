// The catalogue of rejected inputs (bad_input_catalogue_test.cc): one case
// per class of bad event, with the exact error the daemon answers.
//
//   for (const BadInputCase& c : BadInputCases()) Publish(c.request) ...
//
// docs/events.md lists the same classes for people.
#ifndef PROACTIVE_TESTS_SCENARIOS_BAD_INPUT_CASES_H_
#define PROACTIVE_TESTS_SCENARIOS_BAD_INPUT_CASES_H_

#include <string>
#include <vector>

#include "grpcpp/support/status.h"
#include "proactive/v1/ingestion.pb.h"

namespace proactive::testing {

// Attributes added to the project's schema for the catalogue, of the types
// rules/schema.yaml does not use; owned by etat-civil.
extern const char kExtraAttributesYaml[];

struct BadInputCase {
  std::string name;
  v1::PublishRequest request;
  grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT;
  std::string message;  // the whole message, or a part of it when !exact
  bool exact = true;
  std::string person_id;  // must not exist afterwards; "" when not a valid id
};

std::vector<BadInputCase> BadInputCases();

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_SCENARIOS_BAD_INPUT_CASES_H_
