// NameIndex: the name -> layer table the model assembler checks names and resolves inputs with.
#include <catch2/catch.hpp>
#include <string>

#include "policies/models/name_index.h"

namespace memsim {
namespace {

TEST_CASE("a name index finds what was inserted and refuses a name twice", "[names][layers]") {
  NameIndex index;
  CHECK(index.find("a") == NameIndex::kAbsent);
  CHECK(index.insert("a", 7));
  CHECK(index.insert("b", 3));
  CHECK_FALSE(index.insert("a", 9));  // taken: the first id stays
  CHECK(index.find("a") == 7);
  CHECK(index.find("b") == 3);
  CHECK(index.find("") == NameIndex::kAbsent);
  CHECK(index.find("ab") == NameIndex::kAbsent);
  CHECK(index.size() == 2);
}

TEST_CASE("a name index keeps every name through its growth", "[names][layers]") {
  // 10000 names take the table from 64 slots through 8 doublings (kept at most half full).
  NameIndex index;
  for (std::uint32_t i = 0; i < 10000; ++i) REQUIRE(index.insert("dense" + std::to_string(i), i));
  for (std::uint32_t i = 0; i < 10000; ++i) REQUIRE(index.find("dense" + std::to_string(i)) == i);
  CHECK(index.find("dense10000") == NameIndex::kAbsent);
  CHECK_FALSE(index.insert("dense9999", 1));
}

TEST_CASE("a name index lists its names in lexicographic order", "[names][layers]") {
  NameIndex index;
  for (const char* name : {"dense2", "dense10", "b.1", "dense1"}) index.insert(name, 0);
  const auto names = index.sorted_names();
  CHECK(std::vector<std::string>(names.begin(), names.end()) ==
        std::vector<std::string>{"b.1", "dense1", "dense10", "dense2"});
}

}  // namespace
}  // namespace memsim

namespace memsim {
namespace {

TEST_CASE("a name index reserved for its names finds them all", "[names][layers]") {
  NameIndex index;
  index.reserve(1000, 8000);
  index.reserve(10, 10);  // never shrinks
  for (std::uint32_t i = 0; i < 1500; ++i) REQUIRE(index.insert("n" + std::to_string(i), i));
  for (std::uint32_t i = 0; i < 1500; ++i) REQUIRE(index.find("n" + std::to_string(i)) == i);
  CHECK(index.size() == 1500);
}

}  // namespace
}  // namespace memsim
