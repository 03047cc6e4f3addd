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
  CHECK(index.sorted_names() == std::vector<std::string>{"b.1", "dense1", "dense10", "dense2"});
}

}  // namespace
}  // namespace memsim

namespace memsim {
namespace {

TEST_CASE("numbered names are found by their number and clash with plain names",
          "[names][layers]") {
  NameIndex index;
  // dense1..dense5 are layers 0..4: one range.
  for (std::uint32_t i = 0; i < 5; ++i)
    REQUIRE(index.insert_numbered("dense" + std::to_string(i + 1), 5, i + 1, i));
  CHECK(index.size() == 5);
  CHECK(index.find("dense1") == 0);
  CHECK(index.find("dense5") == 4);
  CHECK(index.find("dense6") == NameIndex::kAbsent);
  CHECK(index.find("dense0") == NameIndex::kAbsent);
  CHECK(index.find("dense03") == NameIndex::kAbsent);  // never generated with a leading zero
  CHECK(index.find("dense") == NameIndex::kAbsent);
  CHECK_FALSE(index.insert("dense3", 9));  // a plain name that a range holds
  CHECK(index.insert("dense03", 9));       // a different name
  CHECK(index.find("dense03") == 9);
  // A numbered name that a plain one holds.
  CHECK(index.insert("conv2", 20));
  CHECK_FALSE(index.insert_numbered("conv2", 4, 2, 21));
  // Names whose prefix ends in a digit: relu6 + 12 and relu + 612 are the same name.
  CHECK(index.insert_numbered("relu612", 5, 12, 30));
  CHECK(index.find("relu612") == 30);
  CHECK_FALSE(index.insert_numbered("relu612", 4, 612, 31));
  CHECK(index.insert_numbered("relu613", 4, 613, 32));
  CHECK(index.find("relu613") == 32);
}

TEST_CASE("the next name of a repeat is still refused when another entry holds it",
          "[names][layers]") {
  // A repeat's next name extends its range without a lookup unless another entry could be it:
  // dense12 as "dense1" + 2 (a longer prefix) or as a plain name must still clash.
  NameIndex index;
  REQUIRE(index.insert_numbered("dense12", 6, 2, 100));  // prefix "dense1"
  REQUIRE(index.insert("dense14", 101));                 // a plain name ending in a digit
  for (std::uint32_t i = 0; i < 11; ++i)                 // dense1..dense11: ids 0..10
    REQUIRE(index.insert_numbered("dense" + std::to_string(i + 1), 5, i + 1, i));
  CHECK_FALSE(index.insert_numbered("dense12", 5, 12, 11));
  CHECK(index.find("dense12") == 100);
  // dense12 refused, so the range ends at dense11; dense13 at id 12 starts a new one, and
  // dense14 (id 13) continues it but is the plain name's.
  CHECK(index.insert_numbered("dense13", 5, 13, 12));
  CHECK_FALSE(index.insert_numbered("dense14", 5, 14, 13));
  CHECK(index.find("dense14") == 101);
  CHECK(index.find("dense13") == 12);
  CHECK(index.find("dense11") == 10);
  CHECK(index.size() == 14);  // 11 + dense13 + dense12 + dense14
}

TEST_CASE("ranges of one prefix stay apart when their ids are not consecutive", "[names][layers]") {
  // dense1 (id 0), relu2 (id 1), dense3 (id 2), dense4 (id 3), then dense7..dense8 (ids 6, 7)
  // and a named repeat b.1..b.3 (ids 8..10).
  NameIndex index;
  REQUIRE(index.insert_numbered("dense1", 5, 1, 0));
  REQUIRE(index.insert_numbered("relu2", 4, 2, 1));
  REQUIRE(index.insert_numbered("dense3", 5, 3, 2));
  REQUIRE(index.insert_numbered("dense4", 5, 4, 3));
  REQUIRE(index.insert_numbered("dense7", 5, 7, 6));
  REQUIRE(index.insert_numbered("dense8", 5, 8, 7));
  for (std::uint32_t k = 1; k <= 3; ++k)
    REQUIRE(index.insert_numbered("b." + std::to_string(k), 2, k, 7 + k));
  const std::pair<const char*, std::uint32_t> want[] = {{"dense1", 0}, {"relu2", 1},  {"dense3", 2},
                                                        {"dense4", 3}, {"dense7", 6}, {"dense8", 7},
                                                        {"b.1", 8},    {"b.2", 9},    {"b.3", 10}};
  for (const auto& [name, id] : want) {
    CAPTURE(name);
    CHECK(index.find(name) == id);
  }
  for (const char* absent : {"dense2", "dense5", "dense6", "dense9", "b.0", "b.4", "relu1"}) {
    CAPTURE(absent);
    CHECK(index.find(absent) == NameIndex::kAbsent);
  }
  // An earlier number that fits between ranges, and one inside a range.
  CHECK(index.insert_numbered("dense5", 5, 5, 40));
  CHECK(index.find("dense5") == 40);
  CHECK(index.find("dense7") == 6);
  CHECK_FALSE(index.insert_numbered("b.2", 2, 2, 50));
  CHECK(index.size() == 10);
  const auto names = index.sorted_names();
  CHECK(names == std::vector<std::string>{"b.1", "b.2", "b.3", "dense1", "dense3", "dense4",
                                          "dense5", "dense7", "dense8", "relu2"});
}

TEST_CASE("a run of numbered names is stored at once unless another entry may hold one",
          "[names][layers]") {
  // dense1..dense3 (ids 0-2) one by one, then dense4..dense1003 (ids 3..1002) as one run: it
  // extends the range, every name found.
  NameIndex index;
  for (std::uint32_t i = 0; i < 3; ++i)
    REQUIRE(index.insert_numbered("dense" + std::to_string(i + 1), 5, i + 1, i));
  CHECK(index.insert_numbered_run("dense", 4, 1000, 3) == 1000);
  CHECK(index.find("dense4") == 3);
  CHECK(index.find("dense1003") == 1002);
  CHECK(index.find("dense1004") == NameIndex::kAbsent);
  CHECK(index.size() == 1003);
  CHECK(index.insert_numbered_run("dense", 1004, 0, 1003) == 0);

  // A longer prefix holds one of the run's names: d1 + 2 is "d12". The run d5..d15 (names of
  // lengths 2 and 3) is stored up to d11 (k = 0..6) and refused at d12 (k = 7), though its first
  // names are shorter than "d12".
  NameIndex longer;
  REQUIRE(longer.insert_numbered("d12", 2, 2, 100));
  REQUIRE(longer.insert_numbered("d4", 1, 4, 0));
  CHECK(longer.insert_numbered_run("d", 5, 11, 1) == 7);
  CHECK(longer.find("d11") == 7);
  CHECK(longer.find("d12") == 100);

  // A plain name ending in a digit holds one: x3 among x2..x6 (ids 10..14) is refused at k = 1.
  NameIndex plain;
  REQUIRE(plain.insert("x3", 50));
  REQUIRE(plain.insert_numbered("x1", 1, 1, 9));
  CHECK(plain.insert_numbered_run("x", 2, 5, 10) == 1);
  CHECK(plain.find("x2") == 10);
  CHECK(plain.find("x3") == 50);
}

}  // namespace
}  // namespace memsim
