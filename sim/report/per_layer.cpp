#include "sim/report/per_layer.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "sim/core/liveness.h"
#include "sim/core/op_operands.h"

namespace memsim {

PerLayerRecorder::PerLayerRecorder(const Graph& graph, const Machine& machine,
                                   PerLayerDetail detail)
    : graph_(graph),
      rows_(detail == PerLayerDetail::rows),
      priced_(!machine.uniform && machine.has_energy()),
      pending_load_(graph.tensor_count(), 0) {
  // A tensor's last writer is its producer unless some op updates a tensor in place, a tensor
  // is the output of two ops, or a produced tensor also starts in DRAM (stored before its
  // producer runs); the verifier's exact-liveness test is the same but for updates. None of it
  // happens in inference graphs, which then keep no writer per tensor (8 bytes an op).
  const bool producer_is_writer = graph.outputs_have_one_producer() && !graph.has_updates();
  if (!producer_is_writer) last_writer_.assign(graph.tensor_count(), Graph::kNoOp);
  if (rows_) {
    tally_.resize(graph.op_count());
    computed_.assign(graph.op_count(), 0);
    order_.reserve(graph.op_count());
  } else {
    layer_bytes_.assign(graph.layer_count(), 0);
    if (priced_) layer_energy_.assign(graph.layer_count(), 0.0);
  }
  // Energy is tracked per tensor only on a machine that prices it: without prices every joule
  // is 0, and a deep hop (s.link > 1) counts for nothing else. Even then only the owner of a
  // tensor's last link-1 store is kept up front, and only where deep stores can follow it; the
  // deep hops' energy waiting for a link-1 load is kept from the first deep hop on (a chain on
  // a preset's real GPU has none: 16 to 20 bytes a tensor saved).
  if (priced_ && machine.link_count() > 1) store_owner_.assign(graph.tensor_count(), Graph::kNoOp);
  // Prices of docs/model.md §15.6; uniform mode has none (every energy 0).
  up_per_byte_.assign(machine.link_count(), 0.0);
  down_per_byte_.assign(machine.link_count(), 0.0);
  if (machine.uniform) return;
  for (std::uint32_t k = 1; k <= machine.link_count(); ++k) {
    const LevelEnergy& near = machine.level_energy(k);
    const LevelEnergy& far = machine.level_energy(k + 1);  // also carries link k's figure
    up_per_byte_[k - 1] =
        far.read_joules_per_byte + near.write_joules_per_byte + far.link_joules_per_byte;
    down_per_byte_[k - 1] =
        near.read_joules_per_byte + far.write_joules_per_byte + far.link_joules_per_byte;
  }
  cache_read_ = machine.level_energy(1).read_joules_per_byte;
  cache_write_ = machine.level_energy(1).write_joules_per_byte;
  per_flop_ = machine.compute_joules_per_flop;
}

double PerLayerRecorder::hop_joules(const TimedStep& s) const {
  const double bytes = static_cast<double>(graph_.tensor(s.step.id).bytes);
  return bytes * (s.step.kind == StepKind::load ? up_per_byte_ : down_per_byte_)[s.link - 1];
}

double PerLayerRecorder::pending_load_joules(TensorId t) {
  if (!priced_) return 0.0;
  // The link-1 hop's energy (hop_joules of the load) and the deep up hops its chain made.
  const double link1 = static_cast<double>(graph_.tensor(t).bytes) * up_per_byte_[0];
  if (pending_deep_joules_.empty()) return link1 + 0.0;
  const double deep = pending_deep_joules_[t];
  pending_deep_joules_[t] = 0;
  return link1 + deep;
}

void PerLayerRecorder::charge_move(OpId op, Move move, std::uint64_t bytes, double joules) {
  charge_moves(op, move, 1, bytes);
  charge_energy(op, joules);
}

void PerLayerRecorder::charge_moves(OpId op, Move move, std::uint64_t count, std::uint64_t bytes) {
  const bool load = move == Move::load;
  (load ? loads_ : stores_) += count;
  (load ? load_bytes_ : store_bytes_) += bytes;
  if (rows_) {
    OpTally& tally = tally_[op];
    (load ? tally.loads : tally.stores) += count;
    (load ? tally.load_bytes : tally.store_bytes) += bytes;
  } else {
    layer_bytes_[layer_of(op)] += bytes;
  }
}

void PerLayerRecorder::charge_energy(OpId op, double joules) {
  if (rows_)
    tally_[op].energy += joules;
  else if (priced_)
    layer_energy_[layer_of(op)] += joules;
}

void PerLayerRecorder::charge_orphans(OpId op) {
  for (const OrphanMove& m : orphans_) {
    const std::uint64_t bytes = graph_.tensor(m.tensor).bytes;
    if (m.kind == Orphan::store)
      charge_move(op, Move::store, bytes, m.joules);
    else if (m.kind == Orphan::load)
      charge_move(op, Move::load, bytes, m.joules);
    else
      charge_energy(op, m.joules);
  }
  orphans_.clear();
}

void PerLayerRecorder::on_step(const TimedStep& s) {
  // A row's loads and stores are link 1's, as the run's are (docs/model.md §15.5): hops below
  // the DRAM are counted per link, not per layer; their energy goes where the link-1 hop of
  // their chain counts (§13).
  if (s.link != 1) {
    if (priced_) on_deep_hop(s);
    return;
  }
  // Loads and drops, most of a run's steps, stay in this small body, which saves no register
  // (issue 16: its frame cost 16 instructions a step); the rest are out of line, called last.
  const std::uint32_t id = s.step.id;
  switch (s.step.kind) {
    case StepKind::load:
      pending_load_[id] = 1;
      if (!deep_up_joules_.empty()) take_deep_up_joules(id);
      return;
    case StepKind::store:
      return on_store(s);
    case StepKind::drop:
      if (pending_load_[id]) orphan_load(id);  // loaded and never read: charged to the next op
      return;
    case StepKind::compute:
      return on_compute(s);
  }
}

void PerLayerRecorder::take_deep_up_joules(TensorId t) {
  pending_deep_joules_[t] = deep_up_joules_[t];
  deep_up_joules_[t] = 0;
}

void PerLayerRecorder::orphan_load(TensorId t) {
  pending_load_[t] = 0;
  orphans_.push_back({t, Orphan::load, pending_load_joules(t)});
}

void PerLayerRecorder::on_deep_hop(const TimedStep& s) {
  const std::uint32_t id = s.step.id;
  const double joules = hop_joules(s);
  if (s.step.kind == StepKind::load) {
    if (deep_up_joules_.empty()) {
      deep_up_joules_.assign(graph_.tensor_count(), 0.0);
      pending_deep_joules_.assign(graph_.tensor_count(), 0.0);
    }
    deep_up_joules_[id] += joules;  // its chain's link-1 load follows
  } else if (store_owner_[id] != Graph::kNoOp) {
    charge_energy(store_owner_[id], joules);
  } else {
    orphans_.push_back({id, Orphan::energy, joules});
  }
}

void PerLayerRecorder::on_store(const TimedStep& s) {
  const std::uint32_t id = s.step.id;
  const OpId writer = last_writer_.empty() ? graph_.producer(id) : last_writer_[id];
  if (!store_owner_.empty()) store_owner_[id] = writer;
  if (writer == Graph::kNoOp) {
    orphans_.push_back({id, Orphan::store, hop_joules(s)});
    return;
  }
  charge_move(writer, Move::store, graph_.tensor(id).bytes, hop_joules(s));
}

void PerLayerRecorder::on_compute(const TimedStep& s) {
  const OpId o = s.step.id;
  if (rows_) tally_[o].compute += s.end - s.start;
  if (!orphans_.empty()) charge_orphans(o);
  // Loads pending for the op's reads are charged to it; bytes read and written price the
  // compute's energy (without prices every joule is 0). The loads' counts and bytes are summed
  // here and charged once (integers: the order makes no difference; issue 16: a call and a
  // layer lookup per load before); their joules are added one by one, in the order they were
  // before, so the energy sums are the same to the last bit.
  double read = 0, written = 0;
  std::uint64_t loads = 0, load_bytes = 0;
  for_each_read(graph_, o, [&](TensorId t) {
    if (priced_) read += static_cast<double>(graph_.tensor(t).bytes);
    if (pending_load_[t]) {
      pending_load_[t] = 0;
      ++loads;
      load_bytes += graph_.tensor(t).bytes;
      if (priced_) charge_energy(o, pending_load_joules(t));
    }
  });
  if (loads != 0) charge_moves(o, Move::load, loads, load_bytes);
  for (TensorId t : written_by(graph_, o)) {
    if (priced_) written += static_cast<double>(graph_.tensor(t).bytes);
    if (!last_writer_.empty()) last_writer_[t] = o;
  }
  if (priced_)
    charge_energy(o, graph_.op(o).flops * per_flop_ + read * cache_read_ + written * cache_write_);
  last_computed_ = o;
  if (!rows_) return;
  // Prefetches skipped for this op and never issued since: it loaded them itself.
  std::erase_if(skipped_, [&](const std::pair<OpId, TensorId>& p) {
    if (p.first != o) return false;
    ++tally_[o].prefetch_skipped;
    return true;
  });
  if (!computed_[o]) {
    computed_[o] = 1;
    order_.push_back(o);
  }
}

void PerLayerRecorder::on_stall(double start, double end, OpId op, bool waiting_for_store) {
  if (!rows_)
    add_stall(layer_of(op), end - start);
  else
    (waiting_for_store ? tally_[op].stall_store : tally_[op].stall_load) += end - start;
}

void PerLayerRecorder::add_stall(LayerIndex layer, double seconds) {
  if (!layer_stall_.empty()) {
    layer_stall_[layer] += seconds;
    return;
  }
  stalls_.push_back({layer, seconds});
  // Dense from the moment the stalls outnumber a sixteenth of the layers: the list then holds
  // at most 2 bytes a layer (16 bytes a stall, twice that as the vector grows), so the moment
  // both exist adds little to the run's peak (at half the layers it added 8 bytes a layer to a
  // training chain's peak). The stalls so far are added in the order they came, as the dense
  // sums would have been.
  if (stalls_.size() > graph_.layer_count() / 16) {
    layer_stall_.assign(graph_.layer_count(), 0.0);
    for (const Stall& st : stalls_) layer_stall_[st.layer] += st.seconds;
    stalls_ = {};
  }
}

void PerLayerRecorder::on_prefetch(OpId op, TensorId tensor, bool issued) {
  if (!rows_) return;  // the top layers do not rank prefetches
  const auto it = std::find(skipped_.begin(), skipped_.end(), std::make_pair(op, tensor));
  if (issued) {
    ++tally_[op].prefetch_issued;
    if (it != skipped_.end()) skipped_.erase(it);
  } else if (it == skipped_.end()) {
    skipped_.emplace_back(op, tensor);  // counted once, when the op runs without it
  }
}

void PerLayerRecorder::finish() {
  const OpId last = last_computed_ == Graph::kNoOp ? 0 : last_computed_;
  // Deep up hops whose link-1 load never came (a run the verifier accepts leaves none).
  for (TensorId t = 0; t < deep_up_joules_.size(); ++t)
    if (deep_up_joules_[t] != 0) orphans_.push_back({t, Orphan::energy, deep_up_joules_[t]});
  std::fill(deep_up_joules_.begin(), deep_up_joules_.end(), 0.0);
  if (!orphans_.empty() && graph_.op_count() > 0) charge_orphans(last);
  for (const auto& [op, t] : skipped_) ++tally_[op].prefetch_skipped;
  skipped_.clear();
}

namespace {

// Throws when the moves attributed are not the verifier's (attribution must lose nothing).
void check_moves(std::uint64_t loads, std::uint64_t stores, std::uint64_t load_bytes,
                 std::uint64_t store_bytes, const MoveCounts& c) {
  if (loads != c.loads || stores != c.stores || load_bytes != c.load_bytes ||
      store_bytes != c.store_bytes)
    throw std::logic_error("per-layer attribution lost moves: rows sum to " +
                           std::to_string(loads) + " loads and " + std::to_string(stores) +
                           " stores, the verifier counted " + std::to_string(c.loads) + " and " +
                           std::to_string(c.stores));
}

}  // namespace

TopLayerSums PerLayerRecorder::layer_sums(const RunResult& result) && {
  if (rows_) throw std::logic_error("layer_sums needs a recorder made with PerLayerDetail::sums");
  check_moves(loads_, stores_, load_bytes_, store_bytes_, result.counts);
  TopLayerSums sums;
  sums.bytes_moved = std::move(layer_bytes_);
  sums.energy = std::move(layer_energy_);  // empty unless priced
  sums.stall = std::move(layer_stall_);
  if (sums.stall.empty()) {  // the few stalls were listed: summed per layer in list order
    sums.stall.assign(sums.bytes_moved.size(), 0.0);
    for (const Stall& st : stalls_) sums.stall[st.layer] += st.seconds;
  }
  // In layer order, as the rows' totals are: the sums of doubles are the same to the bit.
  for (std::size_t l = 0; l < sums.stall.size(); ++l) {
    sums.total.stall += sums.stall[l];
    sums.total.bytes_moved += sums.bytes_moved[l];
    if (!sums.energy.empty()) sums.total.energy += sums.energy[l];
  }
  return sums;
}

namespace {

// The tallies a row sums: an op's (OpTally) into its row, and each row into the total. One list
// of fields, so a new tally cannot be summed in one place and forgotten in the other.
template <class From>
void add_tallies(LayerPhaseRow& to, const From& from) {
  to.compute += from.compute;
  to.stall_load += from.stall_load;
  to.stall_store += from.stall_store;
  to.loads += from.loads;
  to.stores += from.stores;
  to.load_bytes += from.load_bytes;
  to.store_bytes += from.store_bytes;
  to.prefetch_issued += from.prefetch_issued;
  to.prefetch_skipped += from.prefetch_skipped;
  to.energy += from.energy;
}

}  // namespace

PerLayerReport per_layer_report(const Simulation& sim, const RunResult& result,
                                const PerLayerRecorder& recorder) {
  const Graph& g = sim.graph;
  const auto& tallies = recorder.tallies();
  const std::vector<OpId>& order = recorder.compute_order();
  const std::vector<std::uint64_t> live = live_bytes_by_position(g, order);

  PerLayerReport report;
  // Rows by (layer root, phase): a dense table of row numbers, one slot per layer-table entry
  // and phase, filled in (layer, phase) order so the rows come out sorted. (A hash map of
  // rows and a sort cost a 10^6-op run a malloc per row and a sort of 10^6 rows.)
  constexpr std::size_t kPhases = 4;  // OpPhase: forward, backward, update, recompute
  static_assert(static_cast<std::size_t>(OpPhase::recompute) == kPhases - 1);
  constexpr std::uint32_t kNoRow = 0xffffffffu;
  const auto slot = [&](OpId o) {
    return std::size_t{g.layer_root(g.op(o).layer)} * kPhases +
           static_cast<std::size_t>(g.op(o).phase);
  };
  std::vector<std::uint32_t> row_of(g.layer_count() * kPhases, kNoRow);
  for (OpId o = 0; o < g.op_count(); ++o) row_of[slot(o)] = 0;
  report.rows.reserve(static_cast<std::size_t>(std::count(row_of.begin(), row_of.end(), 0u)));
  for (std::size_t k = 0; k < row_of.size(); ++k) {
    if (row_of[k] == kNoRow) continue;
    row_of[k] = static_cast<std::uint32_t>(report.rows.size());
    LayerPhaseRow row;
    row.layer = static_cast<LayerIndex>(k / kPhases);
    row.phase = static_cast<OpPhase>(k % kPhases);
    report.rows.push_back(row);
  }
  std::vector<std::pair<std::size_t, LayerIndex>> tiles;  // (row, tile entry)
  for (OpId o = 0; o < g.op_count(); ++o) {
    const std::uint32_t r = row_of[slot(o)];
    LayerPhaseRow& row = report.rows[r];
    ++row.ops;
    add_tallies(row, tallies[o]);
    row.flops += g.op(o).flops;
    if (g.layer_tile(g.op(o).layer) != kNoTile) tiles.emplace_back(r, g.op(o).layer);
  }
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    LayerPhaseRow& row = report.rows[row_of[slot(order[pos])]];
    row.peak_live_bytes = std::max(row.peak_live_bytes, live[pos]);
  }
  std::sort(tiles.begin(), tiles.end());
  tiles.erase(std::unique(tiles.begin(), tiles.end()), tiles.end());
  for (const auto& [row, tile] : tiles) ++report.rows[row].tiles;

  LayerPhaseRow& total = report.total;
  for (const LayerPhaseRow& r : report.rows) {
    total.ops += r.ops;
    total.tiles += r.tiles;
    add_tallies(total, r);
    total.flops += r.flops;
    total.peak_live_bytes = std::max(total.peak_live_bytes, r.peak_live_bytes);
  }
  check_moves(total.loads, total.stores, total.load_bytes, total.store_bytes, result.counts);
  return report;
}

TopLayerSums layer_sums(const Graph& graph, const PerLayerReport& report) {
  TopLayerSums sums;
  sums.stall.assign(graph.layer_count(), 0.0);
  sums.bytes_moved.assign(graph.layer_count(), 0);
  sums.energy.assign(graph.layer_count(), 0.0);
  // A layer's load stalls and its store stalls are each summed over its phases, then added.
  std::vector<double> store_stall(graph.layer_count(), 0.0);
  for (const LayerPhaseRow& r : report.rows) {
    sums.stall[r.layer] += r.stall_load;
    store_stall[r.layer] += r.stall_store;
    sums.bytes_moved[r.layer] += r.bytes_moved();
    sums.energy[r.layer] += r.energy;
  }
  for (std::size_t l = 0; l < store_stall.size(); ++l) sums.stall[l] += store_stall[l];
  sums.total.stall = report.total.stall();
  sums.total.bytes_moved = report.total.bytes_moved();
  sums.total.energy = report.total.energy;
  return sums;
}

}  // namespace memsim
