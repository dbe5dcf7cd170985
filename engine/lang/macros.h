// Macro expansion, used by the parser: has(a.b) becomes a presence test and
// range.all(x, p) & co. become comprehension nodes.
//
//   std::unique_ptr<Expr> call = ...;  // a kCall just parsed
//   call = ExpandMacro(std::move(call), sink);
//   // the same call when it is not a macro
#ifndef PROACTIVE_ENGINE_LANG_MACROS_H_
#define PROACTIVE_ENGINE_LANG_MACROS_H_

#include <memory>
#include <string>

#include "engine/lang/ast.h"

namespace proactive::lang {

// Where macro expansion reports misuse (e.g. a variable that is not a name).
class MacroErrorSink {
 public:
  virtual ~MacroErrorSink() = default;
  virtual void MacroError(int32_t offset, std::string message) = 0;
};

// Expands `call` (kCall) when it is a macro invocation with the macro's
// arity; otherwise returns it unchanged. A misused macro is reported and
// becomes a kError node covering the call.
std::unique_ptr<Expr> ExpandMacro(std::unique_ptr<Expr> call, MacroErrorSink& sink);

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_MACROS_H_
