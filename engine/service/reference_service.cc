#include "engine/service/reference_service.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/ingest/value_conversion.h"
#include "engine/service/denied_reactor.h"
#include "engine/service/grpc_status.h"
#include "engine/store/reference_records.h"
#include "proactive/v1/reference.grpc.pb.h"

namespace proactive {
namespace {

absl::StatusOr<const ReferenceTableSpec*> FindTable(const AttributeSchema& schema, absl::string_view table) {
  if (table.empty()) return FieldError("table", "is required");
  const ReferenceTableSpec* spec = schema.FindReferenceTable(table);
  if (spec == nullptr) {
    return FieldError("table", absl::StrCat("unknown reference table \"", table,
                                            "\"; tables are declared in rules/schema.yaml under "
                                            "reference_tables"));
  }
  return spec;
}

// Checks one API row against the table and returns its storage form.
absl::StatusOr<storage::v1::ReferenceRowRecord> ToStorageRow(const v1::ReferenceRow& row,
                                                             const ReferenceTableSpec& table,
                                                             absl::string_view currency, const std::string& field) {
  storage::v1::ReferenceRowRecord out;
  RETURN_IF_ERROR(CheckIdentifier(row.key(), absl::StrCat(field, ".key")));
  const FieldSpec* key_spec = table.FindColumn(table.key);
  if (key_spec != nullptr) {
    v1::Value key_value;
    key_value.set_string_value(row.key());
    storage::v1::Value ignored;
    RETURN_IF_ERROR(ToStorageValue(key_value, *key_spec, currency, absl::StrCat(field, ".key"), &ignored));
  }
  out.set_key(row.key());
  std::set<std::string> seen;
  for (int i = 0; i < row.cells_size(); ++i) {
    const v1::ReferenceCell& cell = row.cells(i);
    std::string cell_field = absl::StrCat(field, ".cells[", i, "]");
    const FieldSpec* spec = table.FindColumn(cell.column());
    if (spec == nullptr) {
      return FieldError(absl::StrCat(cell_field, ".column"),
                        absl::StrCat("unknown column \"", cell.column(), "\" of reference table \"", table.name, "\""));
    }
    if (spec->name == table.key) {
      return FieldError(absl::StrCat(cell_field, ".column"),
                        absl::StrCat("\"", spec->name, "\" is the key column; set it in key"));
    }
    if (!seen.insert(spec->name).second) {
      return FieldError(absl::StrCat(cell_field, ".column"), absl::StrCat("column \"", spec->name, "\" appears twice"));
    }
    storage::v1::NamedValue* named = out.add_columns();
    named->set_name(spec->name);
    RETURN_IF_ERROR(
        ToStorageValue(cell.value(), *spec, currency, absl::StrCat(cell_field, ".value"), named->mutable_value()));
  }
  std::sort(out.mutable_columns()->begin(), out.mutable_columns()->end(),
            [](const storage::v1::NamedValue& a, const storage::v1::NamedValue& b) { return a.name() < b.name(); });
  return out;
}

// One ReplaceTable call: buffers the rows, commits when the client is done.
class ReplaceTableReactor final : public grpc::ServerReadReactor<v1::ReplaceTableRequest> {
 public:
  ReplaceTableReactor(const ReferenceServiceDeps& deps, grpc::CallbackServerContext* context, Principal caller,
                      v1::ReplaceTableResponse* response)
      : deps_(deps), context_(context), caller_(std::move(caller)), response_(response), schema_(deps.schema->Get()) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      if (context_->IsCancelled()) {
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the replacement was cancelled; nothing changed"));
      } else {
        Commit();
      }
      return;
    }
    absl::Status status = Accept(request_);
    if (!status.ok()) {
      Finish(ToGrpcStatus(status));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  absl::Status Accept(const v1::ReplaceTableRequest& request) {
    if (table_ == nullptr) {
      ASSIGN_OR_RETURN(table_, FindTable(*schema_, request.table()));
      if (request.source().empty()) return FieldError("source", "is required");
      if (!table_->IsOwnedBy(request.source())) {
        return FieldError("source", absl::StrCat("source \"", request.source(), "\" may not replace reference table \"",
                                                 table_->name, "\""));
      }
      RETURN_IF_ERROR(caller_.AuthorizeSource(request.source(), "source"));
      source_ = request.source();
    } else if (request.has_table() && request.table() != table_->name) {
      return FieldError("table",
                        absl::StrCat("\"", request.table(), "\" differs from \"", table_->name, "\" named first"));
    }
    for (const v1::ReferenceRow& row : request.rows()) {
      if (rows_.size() >= deps_.max_rows) {
        return FieldError(absl::StrCat("rows[", rows_.size(), "]"),
                          absl::StrCat("reference table \"", table_->name, "\" may have at most ", deps_.max_rows,
                                       " rows (--max_reference_rows); nothing changed"));
      }
      ASSIGN_OR_RETURN(storage::v1::ReferenceRowRecord stored,
                       ToStorageRow(row, *table_, schema_->currency(), absl::StrCat("rows[", rows_.size(), "]")));
      rows_.push_back(std::move(stored));
    }
    return absl::OkStatus();
  }

  // Checks the rows here, on a gRPC thread, then replaces the table on the
  // event writer's thread, the one that writes the store: the answer comes
  // once the replacement is durable, or says why nothing changed.
  void Commit() {
    absl::Status prepared = Prepare();
    if (!prepared.ok()) {
      Finish(ToGrpcStatus(prepared));
      return;
    }
    deps_.writer->Execute([this](EventApplier&) { return ReplaceOnWriter(); },
                          [this](absl::Status status) { Finish(ToGrpcStatus(status)); });
  }

  // The rows sorted by key, each key once, and their fingerprint.
  absl::Status Prepare() {
    if (table_ == nullptr) return FieldError("table", "is required (the stream sent no message)");
    std::vector<size_t> order(rows_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rows_[a].key() < rows_[b].key(); });
    std::vector<storage::v1::ReferenceRowRecord>& sorted = sorted_;
    sorted.reserve(rows_.size());
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0 && rows_[order[i]].key() == sorted.back().key()) {
        return FieldError(absl::StrCat("rows[", order[i], "].key"),
                          absl::StrCat("key \"", sorted.back().key(), "\" already used by rows[", order[i - 1], "]"));
      }
      sorted.push_back(std::move(rows_[order[i]]));
    }
    rows_.clear();
    fingerprint_ = ReferenceRowsFingerprint(sorted);
    return absl::OkStatus();
  }

  // On the writer's thread: calls for a table are run one after the other.
  absl::Status ReplaceOnWriter() {
    ASSIGN_OR_RETURN(std::optional<storage::v1::ReferenceTableRecord> current,
                     ReadReferenceTable(*deps_.store, table_->name));
    response_->set_table(table_->name);
    response_->set_rows(sorted_.size());
    if (current && current->fingerprint() == fingerprint_) {
      response_->set_version(current->version());
      response_->set_unchanged(true);
      return absl::OkStatus();
    }
    storage::v1::ReferenceTableRecord record;
    record.set_table(table_->name);
    record.set_version(current ? current->version() + 1 : 1);
    record.set_fingerprint(fingerprint_);
    record.set_source(source_);
    *record.mutable_replaced_at() = ToProtoTimestamp(deps_.clock->Now());
    const uint64_t version = record.version();
    WriteBatch batch(*deps_.store);
    RETURN_IF_ERROR(PutReferenceTable(*deps_.store, &batch, std::move(record), std::move(sorted_)));
    RETURN_IF_ERROR(deps_.store->Write(&batch, /*sync=*/false));  // the writer syncs its group
    response_->set_version(version);
    response_->set_unchanged(false);
    return absl::OkStatus();
  }

  const ReferenceServiceDeps& deps_;
  grpc::CallbackServerContext* context_;
  const Principal caller_;
  v1::ReplaceTableResponse* response_;
  std::shared_ptr<const AttributeSchema> schema_;  // one schema version per call
  v1::ReplaceTableRequest request_;
  const ReferenceTableSpec* table_ = nullptr;
  std::string source_;
  std::vector<storage::v1::ReferenceRowRecord> rows_;    // as received
  std::vector<storage::v1::ReferenceRowRecord> sorted_;  // by Prepare
  std::string fingerprint_;
};

class ReferenceService final : public v1::ReferenceTables::CallbackService {
 public:
  explicit ReferenceService(ReferenceServiceDeps deps) : deps_(deps) {}

  grpc::ServerReadReactor<v1::ReplaceTableRequest>* ReplaceTable(grpc::CallbackServerContext* context,
                                                                 v1::ReplaceTableResponse* response) override {
    absl::StatusOr<Principal> caller = deps_.access->Get()->AuthorizeCaller(*context, kReplaceTableMethod);
    if (!caller.ok()) return new DeniedReadReactor<v1::ReplaceTableRequest>(ToGrpcStatus(caller.status()));
    return new ReplaceTableReactor(deps_, context, *std::move(caller), response);
  }

  grpc::ServerUnaryReactor* GetRow(grpc::CallbackServerContext* context, const v1::GetRowRequest* request,
                                   v1::GetRowResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status allowed = deps_.access->Get()->Authorize(*context, kGetRowMethod);
    reactor->Finish(ToGrpcStatus(allowed.ok() ? Get(*request, response) : allowed));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetTable(grpc::CallbackServerContext* context, const v1::GetTableRequest* request,
                                     v1::ReferenceTableInfo* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status allowed = deps_.access->Get()->Authorize(*context, kGetTableMethod);
    reactor->Finish(ToGrpcStatus(allowed.ok() ? Info(*request, response) : allowed));
    return reactor;
  }

 private:
  absl::Status Get(const v1::GetRowRequest& request, v1::GetRowResponse* response) {
    std::shared_ptr<const AttributeSchema> schema = deps_.schema->Get();
    ASSIGN_OR_RETURN(const ReferenceTableSpec* table, FindTable(*schema, request.table()));
    RETURN_IF_ERROR(CheckIdentifier(request.key(), "key"));
    ASSIGN_OR_RETURN(std::optional<storage::v1::ReferenceRowRecord> row,
                     ReadReferenceRow(*deps_.store, table->name, request.key()));
    if (!row) {
      return FieldErrorWithCode(
          absl::StatusCode::kNotFound, "key",
          absl::StrCat("reference table \"", table->name, "\" has no row \"", request.key(), "\""));
    }
    response->mutable_row()->set_key(row->key());
    for (const storage::v1::NamedValue& column : row->columns()) {
      v1::ReferenceCell* cell = response->mutable_row()->add_cells();
      cell->set_column(column.name());
      *cell->mutable_value() = ToApiValue(column.value());
    }
    response->set_version(row->version());
    return absl::OkStatus();
  }

  absl::Status Info(const v1::GetTableRequest& request, v1::ReferenceTableInfo* response) {
    std::shared_ptr<const AttributeSchema> schema = deps_.schema->Get();
    ASSIGN_OR_RETURN(const ReferenceTableSpec* table, FindTable(*schema, request.table()));
    ASSIGN_OR_RETURN(std::optional<storage::v1::ReferenceTableRecord> record,
                     ReadReferenceTable(*deps_.store, table->name));
    if (!record) {
      return FieldErrorWithCode(absl::StatusCode::kNotFound, "table",
                                absl::StrCat("reference table \"", table->name, "\" was never loaded"));
    }
    response->set_table(record->table());
    response->set_version(record->version());
    response->set_rows(record->row_count());
    response->set_source(record->source());
    *response->mutable_replaced_at() = record->replaced_at();
    return absl::OkStatus();
  }

  const ReferenceServiceDeps deps_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewReferenceService(ReferenceServiceDeps deps) {
  return std::make_unique<ReferenceService>(deps);
}

}  // namespace proactive
