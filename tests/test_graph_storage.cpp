// The graph's storage (sim/core/graph.h, sim/core/pod_array.h): appends without a zero fill,
// and the sums the builder keeps as it goes (largest working set, total bytes) so that the
// checks after building need not walk every op and tensor again.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "sim/core/graph.h"
#include "sim/core/pod_array.h"

using namespace memsim;

TEST_CASE("PodArray appends, grows, copies and moves its values", "[graph_storage]") {
  PodArray<std::uint32_t> a;
  CHECK(a.empty());
  CHECK(a.append(0) == a.data());  // nothing to write: no room needed
  // 1000 values one at a time and three at a time: growth keeps every earlier value.
  for (std::uint32_t i = 0; i < 1000; ++i) a.push_back(i);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    std::uint32_t* to = a.append(3);
    to[0] = 3 * i;
    to[1] = 3 * i + 1;
    to[2] = 3 * i + 2;
  }
  REQUIRE(a.size() == 4000);
  CHECK(a.capacity() >= 4000);
  bool in_order = true;
  for (std::uint32_t i = 0; i < 1000; ++i) in_order = in_order && a[i] == i;
  for (std::uint32_t i = 0; i < 3000; ++i) in_order = in_order && a[1000 + i] == i;
  CHECK(in_order);

  PodArray<std::uint32_t> copy = a;
  copy[0] = 77;  // the copy owns its values
  CHECK(a[0] == 0);
  CHECK(copy.size() == 4000);
  CHECK(copy[3999] == 2999);

  PodArray<std::uint32_t> moved = std::move(copy);
  CHECK(moved.size() == 4000);
  CHECK(moved[0] == 77);

  moved.truncate(10);  // drops the tail, keeps the rest
  CHECK(moved.size() == 10);
  CHECK(moved[9] == 9);
  moved = a;  // copy-assigned over a smaller array
  CHECK(moved.size() == 4000);
  CHECK(moved[3999] == 2999);
}

TEST_CASE("a reserved PodArray appends within its room", "[graph_storage]") {
  PodArray<std::uint64_t> a;
  a.reserve(100);
  const std::uint64_t* start = a.data();
  for (std::uint64_t i = 0; i < 100; ++i) a.push_back(i);
  CHECK(a.data() == start);  // no regrowth within the reserved room
  CHECK(a.capacity() == 100);
  a.push_back(100);  // the 101st doubles the room
  CHECK(a.capacity() == 200);
  CHECK(a[100] == 100);
}

TEST_CASE("the graph keeps its largest working set as ops are added", "[graph_storage]") {
  GraphBuilder b;
  const LayerIndex l = b.add_layer("l");
  const TensorId x = b.add_tensor(l, TensorRole::none, 5, TensorKind::input, true);
  const TensorId w = b.add_tensor(l, TensorRole::weight, 7, TensorKind::weight, true);
  const TensorId y = b.add_tensor(l, TensorRole::out, 11, TensorKind::activation, false);
  const TensorId g = b.add_tensor(l, TensorRole::weight_grad, 13, TensorKind::gradient, false);
  const TensorId xw[] = {x, w}, ys[] = {y}, gs[] = {g}, ws[] = {w};
  b.add_op(l, OpRole::forward, xw, ys, {}, 1);  // 5 + 7 + 11 = 23
  b.add_op(l, OpRole::dW, ys, gs, {}, 1);       // 11 + 13 = 24
  b.add_op(l, OpRole::update, gs, {}, ws, 1);   // 13 + 7 = 20
  const Graph graph = std::move(b).build();
  CHECK(graph.max_working_set_bytes() == 24);
  for (OpId o = 0; o < graph.op_count(); ++o)
    CHECK(graph.working_set_bytes(o) <= graph.max_working_set_bytes());
  CHECK(graph.working_set_bytes(0) == 23);
  CHECK(graph.working_set_bytes(2) == 20);
  CHECK(Graph{}.max_working_set_bytes() == 0);  // no ops
}

TEST_CASE("the graph notes when its tensors' sizes add up beyond 64 bits", "[graph_storage]") {
  GraphBuilder b;
  const LayerIndex l = b.add_layer("l");
  const std::uint64_t half = std::uint64_t{1} << 63;
  b.add_tensor(l, TensorRole::out, half, TensorKind::activation, false);
  b.add_tensor(l, TensorRole::weight, half - 1, TensorKind::weight, true);  // 2^64 - 1: fits
  GraphBuilder more = b;
  CHECK_FALSE(Graph(std::move(b).build()).total_bytes_overflow());
  more.add_tensor(l, TensorRole::weight_grad, 1, TensorKind::gradient, false);  // 2^64
  CHECK(std::move(more).build().total_bytes_overflow());
}

TEST_CASE("an op naming a tensor that is not there is refused and leaves no operands",
          "[graph_storage]") {
  GraphBuilder b;
  const LayerIndex l = b.add_layer("l");
  const TensorId x = b.add_tensor(l, TensorRole::none, 1, TensorKind::input, true);
  const TensorId y = b.add_tensor(l, TensorRole::out, 1, TensorKind::activation, false);
  const TensorId ok[] = {x}, ys[] = {y}, bad[] = {x, 2};  // tensor 2 does not exist
  CHECK_THROWS_AS(b.add_op(l, OpRole::forward, ok, ys, bad, 1), std::out_of_range);
  CHECK_THROWS_AS(b.mark_required_output(2), std::out_of_range);
  b.add_op(l, OpRole::forward, ok, ys, {}, 1);
  const Graph graph = std::move(b).build();
  REQUIRE(graph.op_count() == 1);
  // The refused op's operands were taken back: the op added after it starts the array.
  CHECK(graph.op(0).first_operand == 0);
  CHECK(graph.inputs(0).size() == 1);
  CHECK(graph.inputs(0)[0] == x);
  CHECK(graph.outputs(0)[0] == y);
  CHECK(graph.updates(0).empty());
  CHECK(graph.memory_bytes() > 0);
}
