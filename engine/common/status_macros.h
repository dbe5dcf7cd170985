// Early-return helpers for absl::Status and absl::StatusOr (abseil 20220623
// ships none).
//
//   RETURN_IF_ERROR(store.Write(batch));
//   ASSIGN_OR_RETURN(PersonState state, store.ReadPerson(id));
#ifndef PROACTIVE_ENGINE_COMMON_STATUS_MACROS_H_
#define PROACTIVE_ENGINE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PROACTIVE_CONCAT_INNER_(a, b) a##b
#define PROACTIVE_CONCAT_(a, b) PROACTIVE_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::absl::Status proactive_status_ = (expr);             \
    if (!proactive_status_.ok()) return proactive_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs`, which may be a declaration.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  PROACTIVE_ASSIGN_OR_RETURN_IMPL_(PROACTIVE_CONCAT_(proactive_statusor_, __COUNTER__), lhs, rexpr)

#define PROACTIVE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                     \
  if (!statusor.ok()) return std::move(statusor).status();     \
  lhs = std::move(statusor).value()

#endif  // PROACTIVE_ENGINE_COMMON_STATUS_MACROS_H_
