// Shared<T>: the read-only value a layer's copies share (its nest, tiling and position).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sim/model/shared_value.h"

namespace memsim {
namespace {

TEST_CASE("a shared value reads as its T, empty when never given", "[shared]") {
  const Shared<std::vector<int>> none;
  CHECK(none->empty());
  const std::vector<int>& as_value = none;
  CHECK(as_value.empty());
  const Shared<std::string> text = std::string("conv1");
  CHECK(*text == "conv1");
  CHECK(text->size() == 5);
}

TEST_CASE("copies of a shared value share it until one is edited", "[shared]") {
  Shared<std::vector<int>> a = std::vector<int>{1, 2};
  Shared<std::vector<int>> b = a;
  CHECK(&a.get() == &b.get());  // one value, not two
  b.edit().push_back(3);        // b gets its own copy first; a keeps {1, 2}
  CHECK(a.get() == std::vector<int>{1, 2});
  CHECK(b.get() == std::vector<int>{1, 2, 3});
  CHECK(&a.get() != &b.get());
  // The only holder edits in place.
  const std::vector<int>* before = &b.get();
  b.edit().push_back(4);
  CHECK(&b.get() == before);
  CHECK(b.get() == std::vector<int>{1, 2, 3, 4});
  b.reset();
  CHECK(b->empty());
  CHECK(a.get() == std::vector<int>{1, 2});
}

}  // namespace
}  // namespace memsim

namespace memsim {
namespace {

TEST_CASE("a shared container reads as the container", "[shared]") {
  const Shared<std::vector<int>> list = std::vector<int>{4, 5, 6};
  int sum = 0;
  for (int v : list) sum += v;
  CHECK(sum == 15);
  CHECK(list.size() == 3);
  CHECK_FALSE(list.empty());
  CHECK(list[1] == 5);
  CHECK(list == std::vector<int>{4, 5, 6});
  CHECK(list == Shared<std::vector<int>>(std::vector<int>{4, 5, 6}));
  CHECK_FALSE(list == Shared<std::vector<int>>());
}

}  // namespace
}  // namespace memsim
