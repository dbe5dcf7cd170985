// Values in the JSON encoding of the conformance cases (see
// tests/conformance/testdata/README.md), also used for `proactivectl eval
// --bindings`:
//
//   {"int": "1"} {"uint": "1"} {"double": 1.5} (or "NaN", "Infinity")
//   {"string": "..."} {"bytes_b64": "..."} {"bool": true} {"null": null}
//   {"list": [v, ...]} {"map": [[k, v], ...]} {"type": "int"}
//   {"timestamp": "2009-02-13T23:31:30Z"} {"duration": "1.5s"}
// and the public-rules extensions {"date": "2026-09-01"} and
// {"money": "12.50 EUR"}.
//
//   ASSIGN_OR_RETURN(Value v,
//                    ParseJsonValue(R"({"list": [{"int": "1"}]})"));
//   ASSIGN_OR_RETURN(auto bindings,
//                    ParseJsonBindings(R"({"x": {"int": "1"}})"));
#ifndef PROACTIVE_ENGINE_EVAL_VALUE_JSON_H_
#define PROACTIVE_ENGINE_EVAL_VALUE_JSON_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/eval/value.h"

namespace proactive::eval {

// One encoded value. INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<Value> ParseJsonValue(absl::string_view json_text);

// A JSON object from variable name to encoded value, in the object's order.
absl::StatusOr<std::vector<std::pair<std::string, Value>>> ParseJsonBindings(absl::string_view json_text);

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_VALUE_JSON_H_
