#pragma once
// An independent reference executor, written from docs/model.md alone (issue 9, "An independent
// reference in the tests"). It shares no code with sim/ or policies/: its own graph, machine,
// eviction orders, free-space pieces and DRAM queue. It is meant to be slow and obviously
// correct: every decision scans all tensors with explicit sort keys, and occupancy is recomputed
// from the list of intervals. Each rule cites the section of docs/model.md it implements.
#include <cstdint>
#include <string>
#include <vector>

namespace memsim_reference {

// §1: the kinds that matter to the model are weight and optimizer state (never dead); the rest
// only label tensors.
enum class Kind { weight, activation, input, label, gradient, optimizer_state, other };

struct Tensor {
  std::string name;
  std::uint64_t bytes = 1;  // ignored in uniform mode (every tensor is one unit, §1)
  Kind kind = Kind::activation;
  bool required = false;      // a required output (§1)
  bool initial_dram = false;  // starts with a valid DRAM copy (§1)
};

struct Op {
  std::string name;
  std::vector<int> inputs;   // tensor ids (indices into Graph::tensors), in the order written
  std::vector<int> outputs;  // each tensor produced by at most one op
  std::vector<int> updates;  // read and rewritten in place
  double flops = 0;
};

// Tensors in declaration order (their id is their index, §5 Belady's last tie-break); ops in the
// order they run (§1: "the schedule's order").
struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Op> ops;
};

// §2.
struct Machine {
  bool uniform = false;        // uniform mode: capacity counts tensors
  std::uint64_t capacity = 0;  // bytes, or tensors in uniform mode
  double bandwidth = 1;        // bytes/s per channel (byte mode)
  double latency = 0;          // s per transfer (byte mode)
  int channels = 1;
  double transfer_time = 1;  // uniform mode
  double throughput = 1;     // FLOP/s (byte mode)
  double op_time = 1;        // uniform mode
};

enum class Policy { lru, fifo, belady };

struct Options {
  Policy policy = Policy::lru;
  int lookahead = 0;  // §4: L
};

// One transfer, in the order it was decided (§4.3).
struct Transfer {
  bool store = false;
  int tensor = 0;
  double may_start = 0;  // a load's issue time, a store's earliest start
  double start = 0;
  double end = 0;
  int channel = 0;  // 0-based
};

struct OpRun {
  double decision = 0;  // D_i
  double start = 0;
  double end = 0;
  double stall_load = 0;
  double stall_store = 0;
};

// A tensor copy's stay in the cache (§3): [from, to), to = +infinity while it stays to the end.
struct Occupancy {
  int tensor = 0;
  double from = 0;
  double to = 0;
};

// How many times each rule decided something in a run: the differential test checks that its
// random cases exercise every rule, not only that memsim agrees on them.
struct Coverage {
  int victims_stored = 0;                   // §4.4: a victim written back before its drop
  int victims_in_flight = 0;                // §4.4: a victim dropped when its load ends
  int prefetched_tensors_evicted = 0;       // §4.2: a mandatory allocation, second tier
  int prefetch_evictions = 0;               // §4.1 step 4: a prefetch that evicts
  int prefetch_stops = 0;                   // §4.1 step 4: R_k did not fit; prefetching stopped
  int allocations_waiting_for_store = 0;    // §4.2 step 3
  int loads_waiting_for_own_store = 0;      // §4.3: issued when the tensor's own store ends
  int loads_waiting_for_previous_copy = 0;  // §4.3: issued when its previous copy is dropped
  int updates_waiting_for_store = 0;        // §4.1 step 5: an update waits for a running store
  int belady_by_cleanliness = 0;            // §5: Belady's clean-before-dirty decided
  int belady_by_id = 0;                     // §5: Belady's lowest id decided
};

struct Result {
  double time = 0;
  double compute_busy = 0;
  double dram_busy = 0;
  double stall_load = 0;
  double stall_store = 0;
  std::uint64_t loads = 0;
  std::uint64_t stores = 0;
  std::uint64_t load_bytes = 0;
  std::uint64_t store_bytes = 0;
  std::uint64_t drops = 0;
  std::uint64_t peak_cache = 0;
  std::vector<OpRun> ops;  // by position
  std::vector<Transfer> transfers;
  std::vector<Occupancy> occupancy;
  // The reference's own checks of the invariants §3 states (occupancy within the capacity, one
  // copy per tensor at a time): empty when they hold. They are not errors of the reference: a
  // non-empty list means the rules of §4 lead somewhere §3 says they cannot.
  std::vector<std::string> violations;
  Coverage coverage;
};

// Runs the graph's ops in order on the machine. Requires every op's working set to fit the cache
// (§1); throws std::invalid_argument otherwise.
Result run_reference(const Graph& graph, const Machine& machine, const Options& options);

}  // namespace memsim_reference
