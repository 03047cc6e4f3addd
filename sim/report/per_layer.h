#pragma once
// Per-layer accounting: a run's verified steps, stalls and prefetch decisions attributed to the
// layer and phase of an op, so that "which layers stall, move the bytes and hold the memory"
// has an answer. It listens to the step stream after the verifier (a StepSink), never to the
// executor's own bookkeeping, so a replayed schedule is accounted the same way.
//
// Attribution (docs/model.md §13):
//   compute time  the op's compute steps (end - start; an op the solver runs twice counts twice)
//   FLOPs         the op's FLOPs, once per op (as the run's totals)
//   load stall,   the stall before the op (the op that waited)
//   store stall
//   load          the first op to read or update that copy of the tensor after the load (the op
//                 it was loaded for); a copy dropped unused counts for the next op to compute
//   store         the op that last wrote the tensor (its producer or last updater: the op whose
//                 result is saved); a tensor never written counts for the next op to compute
//   prefetch      per op looked ahead to: loads issued ahead of time; tensors skipped for lack
//                 of room and loaded only when the op became current
//   peak live     the largest live bytes (liveness.h) while one of the row's ops runs
//   energy        dynamic energy (§15.6): a compute's FLOPs and level-1 reads and writes to its
//                 op; a hop's reads, writes and link energy where the link-1 hop of its chain
//                 counts (a deep up hop: the next link-1 load of the tensor; a deep down hop: the
//                 link-1 store just before it). Static energy belongs to no row.
// A row is one layer (tiles roll up into their layer: Graph::layer_root) and one phase.
#include <array>
#include <cstdint>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/schedule.h"
#include "sim/core/simulation.h"

namespace memsim {

// Everything attributed to one op during a run.
struct OpTally {
  double compute = 0;      // seconds (time units in uniform mode)
  double stall_load = 0;   // seconds waited for loads before the op
  double stall_store = 0;  // ... for stores that free its space
  std::uint64_t loads = 0, stores = 0, load_bytes = 0, store_bytes = 0;
  std::uint32_t prefetch_issued = 0, prefetch_skipped = 0;
  double energy = 0;  // joules, dynamic only (docs/model.md §13)
};

// What one layer, all its phases and tiles together, adds up to: the figures the text summary's
// top layers rank.
struct LayerSums {
  double stall = 0;  // load and store stalls
  std::uint64_t bytes_moved = 0;
  double energy = 0;  // joules, dynamic only
};
// Every layer's sums, one array a figure, by layer index (a layer root's sums; zero for a
// tile): the recorder hands its own arrays over rather than copying them into a new one (24
// bytes a layer, a 10^6-layer run's 24 MB to allocate and fault in), and ranking one figure
// reads only its own array.
struct TopLayerSums {
  std::vector<double> stall;               // load and store stalls
  std::vector<std::uint64_t> bytes_moved;  // as long as stall
  std::vector<double> energy;              // as long as stall, or empty: every layer's is 0
  LayerSums total;
  std::size_t layer_count() const { return stall.size(); }
  LayerSums layer(std::size_t l) const {
    return {stall[l], bytes_moved[l], energy.empty() ? 0.0 : energy[l]};
  }
};

// How much the recorder keeps. `rows`: every op's OpTally (80 bytes an op) and the compute
// order, for the per-layer rows. `sums`: only each layer's LayerSums (8 bytes a layer, 16 with
// energy figures, and 16 bytes a stall until stalls outnumber a sixteenth of the layers), for the
// text summary's top layers, so that listing them costs a run of 10^6 ops tens of megabytes, not
// hundreds. Both attribute every move by the same rules.
enum class PerLayerDetail : std::uint8_t { rows, sums };

// Collects OpTally per op (or LayerSums per layer) from the verified step stream; a few bytes
// per tensor besides (it keeps no step).
class PerLayerRecorder : public StepSink {
 public:
  // The machine prices each step's energy (docs/model.md §15.6; 0 in uniform mode).
  PerLayerRecorder(const Graph& graph, const Machine& machine,
                   PerLayerDetail detail = PerLayerDetail::rows);
  void on_step(const TimedStep& step) override;
  void on_stall(double start, double end, OpId op, bool waiting_for_store) override;
  void on_prefetch(OpId op, TensorId tensor, bool issued) override;

  // Detail rows: every op's tallies, and the order ops first computed (for peak live; every op
  // once). Empty with detail sums.
  const std::vector<OpTally>& tallies() const { return tally_; }
  const std::vector<OpId>& compute_order() const { return order_; }
  // Settles what is still open at the end of the stream (unused loads, skipped prefetches);
  // call once after the run.
  void finish();
  // Detail sums, after finish(): each layer's sums, the recorder's own arrays moved out (it
  // is spent). Throws std::logic_error when the moves attributed differ from the verifier's
  // counts in `result`, as per_layer_report does.
  TopLayerSums layer_sums(const RunResult& result) &&;

 private:
  enum class Orphan : std::uint8_t { load, store, energy };  // energy: a deep hop's only
  struct OrphanMove {
    TensorId tensor;
    Orphan kind;
    double joules;
  };
  void charge_orphans(OpId op);
  // on_step's cases other than link-1 loads and drops.
  void on_deep_hop(const TimedStep& s);
  void on_store(const TimedStep& s);
  void on_compute(const TimedStep& s);
  // Where every attributed figure goes: op's tally (rows) or its layer's sums (sums).
  enum class Move : std::uint8_t { load, store };
  void charge_move(OpId op, Move move, std::uint64_t bytes, double joules);
  void charge_energy(OpId op, double joules);
  // The counts and bytes of `count` moves at once, without their energy (charge_energy).
  void charge_moves(OpId op, Move move, std::uint64_t count, std::uint64_t bytes);
  // on_step's rare cases, out of line: a link-1 load after deep up hops, a drop of a copy no
  // op read.
  [[gnu::noinline]] void take_deep_up_joules(TensorId t);
  [[gnu::noinline]] void orphan_load(TensorId t);
  std::size_t layer_of(OpId op) const { return graph_.layer_root(graph_.op(op).layer); }
  double hop_joules(const TimedStep& s) const;
  // The energy of tensor t's pending link-1 load, as its read or drop charges it (once).
  double pending_load_joules(TensorId t);
  const Graph& graph_;
  bool rows_ = true;     // PerLayerDetail::rows
  bool priced_ = false;  // energy figures given; else the three per-tensor arrays stay empty
  // Joules per byte of an up and a down hop over link k (index k - 1), per byte read and
  // written at level 1 by a compute, and per FLOP.
  std::vector<double> up_per_byte_, down_per_byte_;
  double cache_read_ = 0, cache_write_ = 0, per_flop_ = 0;
  // Empty until a deep up hop happens: deep up hops waiting for their link-1 load, and those
  // of a pending link-1 load (its energy is the link-1 hop's plus these).
  std::vector<double> deep_up_joules_, pending_deep_joules_;
  std::vector<OpId> store_owner_;  // who the tensor's last link-1 store counted for (deep stores)
  std::vector<OpTally> tally_;     // rows: per op
  // sums: per layer index (a layer root's; a tile's stay 0); energy only when priced.
  // Stalls are few in most runs (a double-buffered chain stalls at its first layers): they are
  // listed as they come, and summed per layer only once they are many (add_stall).
  struct Stall {
    LayerIndex layer;
    double seconds;
  };
  void add_stall(LayerIndex layer, double seconds);
  std::vector<Stall> stalls_;
  std::vector<double> layer_stall_;  // empty while stalls_ is used
  std::vector<std::uint64_t> layer_bytes_;
  std::vector<double> layer_energy_;
  // Every move attributed, to check against the verifier's counts.
  std::uint64_t loads_ = 0, stores_ = 0, load_bytes_ = 0, store_bytes_ = 0;
  std::vector<std::uint8_t> pending_load_;  // loaded, not yet read by any op
  std::vector<OpId> last_writer_;  // kNoOp: never written; empty: the producer is the writer
  std::vector<std::uint8_t> computed_;
  std::vector<OpId> order_;
  // Loads dropped unused and stores of tensors nobody wrote: charged to the next op computed.
  std::vector<OrphanMove> orphans_;
  // Prefetches skipped and not yet issued since: (op, tensor).
  std::vector<std::pair<OpId, TensorId>> skipped_;
  OpId last_computed_ = Graph::kNoOp;
};

struct LayerPhaseRow {
  LayerIndex layer = 0;  // a layer root (no tiles)
  OpPhase phase = OpPhase::forward;
  std::uint64_t ops = 0;    // ops of the graph in the row
  std::uint32_t tiles = 0;  // distinct tiles among them (0 for a layer that is not tiled)
  double compute = 0, stall_load = 0, stall_store = 0;
  std::uint64_t loads = 0, stores = 0, load_bytes = 0, store_bytes = 0;
  double flops = 0;
  std::uint64_t peak_live_bytes = 0;
  std::uint64_t prefetch_issued = 0, prefetch_skipped = 0;
  double energy = 0;  // joules, dynamic only
  double stall() const { return stall_load + stall_store; }
  std::uint64_t bytes_moved() const { return load_bytes + store_bytes; }
};

struct PerLayerReport {
  std::vector<LayerPhaseRow> rows;  // by layer (layer-table order), then phase
  LayerPhaseRow total;              // the rows summed (peak live: their largest)
};

// Rows from a finished recorder. Throws std::logic_error when the rows' loads, stores or bytes
// differ from the verifier's counts in `result` (attribution must lose nothing).
PerLayerReport per_layer_report(const Simulation& sim, const RunResult& result,
                                const PerLayerRecorder& recorder);
// The same sums from a report's rows (a layer's phases added).
TopLayerSums layer_sums(const Graph& graph, const PerLayerReport& report);

}  // namespace memsim
