// A review that amends a decision may give new values for its parameters
// (a school, a date): checked against the parameters the decision has and
// the kinds of their values, then applied to the decision and recorded in
// the case that amended it, the values they replaced included.
//
//   RETURN_IF_ERROR(AmendParameters(request_parameters, &decision, &recourse_case));
#ifndef PROACTIVE_ENGINE_INGEST_AMENDED_PARAMETERS_H_
#define PROACTIVE_ENGINE_INGEST_AMENDED_PARAMETERS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/lang/types.h"
#include "engine/schema/attribute_schema.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/events.pb.h"

namespace proactive {

// The kind of value an expression of type `type` gives, as parameters are
// stored; nullopt when open (dyn) or not a parameter's kind (a map).
std::optional<TypeSpec> ParameterKindOf(const lang::Type& type);

// Sets each of `amended` on `decision` (in place: its parameters keep their
// order) and records it in `amending_case` (amended_parameters, and
// parameters_before with the value it replaced). A value has the kind of the
// one it replaces, or is that kind's text form ("2027-01-19" for a date,
// "12" for an int, "12.50 EUR" for money). INVALID_ARGUMENT naming
// `amended_parameters[i]` (and `.name` or `.value`) when a name is not one
// of the decision's parameters or is given twice, when a value is missing,
// of another kind, invalid, or the one the decision has already; nothing is
// changed then.
//
// `declared`: the kinds the rule's parameter expressions have (DeclaredTypes),
// when the rule is known: a value replacing null or an empty list takes that
// kind, not the one it is given in.
absl::Status AmendParameters(const std::vector<v1::Attribute>& amended, const std::map<std::string, TypeSpec>& declared,
                             storage::v1::DecisionRecord* decision, storage::v1::RecourseCase* amending_case);

// Copies `parameters` to `out` with the same field-level checks that need
// no decision (names given, once each); for the gRPC layer, before the
// writer. INVALID_ARGUMENT naming `amended_parameters[i].name`.
absl::Status CheckAmendedParameterNames(const google::protobuf::RepeatedPtrField<v1::Attribute>& parameters,
                                        std::vector<v1::Attribute>* out);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_AMENDED_PARAMETERS_H_
