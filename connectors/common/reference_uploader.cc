#include "connectors/common/reference_uploader.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/client/channel.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"
#include "proactive/v1/reference.grpc.pb.h"

namespace proactive {
namespace {

absl::StatusOr<v1::ReplaceTableResponse> AttemptUpload(const EngineConnection& connection,
                                                       v1::ReferenceTables::Stub* stub, const std::string& table,
                                                       const std::string& source,
                                                       const std::vector<v1::ReferenceRow>& rows,
                                                       absl::Duration deadline, int rows_per_message) {
  grpc::ClientContext context;
  connection.PrepareCall(&context, deadline);
  v1::ReplaceTableResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ReplaceTableRequest>> writer = stub->ReplaceTable(&context, &response);
  v1::ReplaceTableRequest message;
  message.set_table(table);
  message.set_source(source);
  bool open = true;
  for (size_t i = 0; i < rows.size() && open; ++i) {
    *message.add_rows() = rows[i];
    if (message.rows_size() >= rows_per_message) {
      open = writer->Write(message);
      message.Clear();
    }
  }
  if (open && (message.rows_size() > 0 || message.has_table())) open = writer->Write(message);
  if (open) writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  return response;
}

}  // namespace

absl::StatusOr<v1::ReplaceTableResponse> UploadReferenceTable(const std::string& server, const std::string& table,
                                                              const std::string& source,
                                                              const std::vector<v1::ReferenceRow>& rows,
                                                              const PublisherOptions& options, int rows_per_message) {
  const EngineConnection connection = EngineConnection::FromEnvironment(server);
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, connection.Connect());
  auto stub = v1::ReferenceTables::NewStub(channel);
  absl::Status last;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    absl::Duration wait = BackoffDelay(attempt, options.initial_backoff, options.max_backoff);
    if (wait > absl::ZeroDuration()) {
      LogWarning("reference", absl::StrCat("engine at ", server, ": ", last.message(), "; retrying in ",
                                           absl::FormatDuration(wait)));
      if (options.sleep) {
        options.sleep(wait);
      } else {
        absl::SleepFor(wait);
      }
    }
    absl::StatusOr<v1::ReplaceTableResponse> response =
        AttemptUpload(connection, stub.get(), table, source, rows, options.deadline, rows_per_message);
    if (response.ok()) return response;
    last = response.status();
    if (!IsRetryableGrpcCode(static_cast<int>(last.code()))) return last;
  }
  return absl::UnavailableError(absl::StrCat("the engine at ", server, " did not answer after ", options.max_attempts,
                                             " attempts: ", last.message()));
}

}  // namespace proactive
