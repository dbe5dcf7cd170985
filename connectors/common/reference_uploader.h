// Replacing a reference table in the engine (proactive.v1.ReferenceTables)
// from a connector: streams the rows in messages of `rows_per_message`, then
// closes; the engine swaps the table atomically. Retried as a whole when the
// engine is unavailable: an interrupted replacement changes nothing.
//
//   ASSIGN_OR_RETURN(v1::ReplaceTableResponse done,
//                    UploadReferenceTable("127.0.0.1:50051",
//                    "school_sectors_maternelle",
//                                         "paris-opendata", rows,
//                                         PublisherOptions()));
#ifndef PROACTIVE_CONNECTORS_COMMON_REFERENCE_UPLOADER_H_
#define PROACTIVE_CONNECTORS_COMMON_REFERENCE_UPLOADER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/common/event_publisher.h"
#include "proactive/v1/reference.pb.h"

namespace proactive {

absl::StatusOr<v1::ReplaceTableResponse> UploadReferenceTable(const std::string& server, const std::string& table,
                                                              const std::string& source,
                                                              const std::vector<v1::ReferenceRow>& rows,
                                                              const PublisherOptions& options,
                                                              int rows_per_message = 500);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_REFERENCE_UPLOADER_H_
