#include "engine/store/codec.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace proactive {

std::string EncodeRecord(const google::protobuf::MessageLite& record) { return EncodeRecordAfter({}, record); }

std::string EncodeRecordAfter(absl::string_view prefix, const google::protobuf::MessageLite& record) {
  std::string out;
  out.reserve(prefix.size() + record.ByteSizeLong());  // also caches the sizes serialization needs
  out.append(prefix.data(), prefix.size());
  {  // the stream appends after the prefix
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    record.SerializeWithCachedSizes(&coded);
  }
  return out;
}

std::string EncodeRecordAsField(int field_number, const google::protobuf::MessageLite& record) {
  const size_t size = record.ByteSizeLong();  // also caches the sizes serialization needs
  std::string out;
  out.reserve(size + 10);
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    coded.WriteTag(static_cast<uint32_t>(field_number) << 3 | 2);  // wire type 2: length-delimited
    coded.WriteVarint32(static_cast<uint32_t>(size));
    record.SerializeWithCachedSizes(&coded);
  }
  return out;
}

absl::Status DecodeRecordInto(absl::string_view bytes, absl::string_view what, google::protobuf::MessageLite* record) {
  if (!record->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat(what, ": stored record does not parse as ", record->GetTypeName()));
  }
  return absl::OkStatus();
}

}  // namespace proactive
