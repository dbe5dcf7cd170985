# Fuzzers of what the engine reads from outside: events (NDJSON and protobuf)
# and rule packs. Included from tests/CMakeLists.txt; other fuzzers of
# tests/fuzz/ have their own CMake block.
#
# Always: <name>_replay, an ordinary ctest (label fuzz-corpus) that feeds
# every file of tests/fuzz/corpus/<name>/ to the fuzzer's
# LLVMFuzzerTestOneInput once, under whatever compiler builds the project.
# With -DPROACTIVE_FUZZERS=ON (clang only): <name>, the libFuzzer binary.
# tests/fuzz/run.sh NAME MINUTES configures build-fuzz/ that way and runs it.
set(PROACTIVE_INPUT_FUZZERS event_json_fuzzer event_proto_fuzzer rule_pack_fuzzer)
set(event_json_fuzzer_LIBS proactive_client proactive_ingest)
set(event_proto_fuzzer_LIBS proactive_client proactive_ingest)
set(rule_pack_fuzzer_LIBS proactive_rules)

foreach(fuzzer ${PROACTIVE_INPUT_FUZZERS})
  set(source ${CMAKE_CURRENT_LIST_DIR}/${fuzzer}.cc)
  add_executable(${fuzzer}_replay ${source} ${CMAKE_CURRENT_LIST_DIR}/input_corpus_replay_main.cc)
  target_include_directories(${fuzzer}_replay PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${fuzzer}_replay PRIVATE PROACTIVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(${fuzzer}_replay PRIVATE ${${fuzzer}_LIBS})
  add_test(NAME ${fuzzer}_corpus
           COMMAND ${fuzzer}_replay ${CMAKE_CURRENT_LIST_DIR}/corpus/${fuzzer})
  set_tests_properties(${fuzzer}_corpus PROPERTIES LABELS fuzz-corpus)

  if(PROACTIVE_FUZZERS)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      message(FATAL_ERROR "PROACTIVE_FUZZERS needs clang (libFuzzer): use tests/fuzz/run.sh")
    endif()
    add_executable(${fuzzer} ${source})
    target_include_directories(${fuzzer} PRIVATE ${PROJECT_SOURCE_DIR})
    target_compile_definitions(${fuzzer} PRIVATE PROACTIVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_compile_options(${fuzzer} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${fuzzer} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${fuzzer} PRIVATE ${${fuzzer}_LIBS})
  endif()
endforeach()

# Writes the protobuf seeds of event_proto_fuzzer from NDJSON events (see
# tests/fuzz/corpus/README.md). Not a test.
add_executable(event_proto_seed_writer ${CMAKE_CURRENT_LIST_DIR}/event_proto_seed_writer.cc)
target_include_directories(event_proto_seed_writer PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(event_proto_seed_writer PRIVATE PROACTIVE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_link_libraries(event_proto_seed_writer PRIVATE proactive_client)
