#pragma once
// Runs one case through memsim's public scenario API (the TOML text, build_simulation,
// run_simulation) and through the reference executor, and lists every figure on which they
// differ. This is the only place that touches memsim: the reference itself sees none of it.
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "sim/core/simulation.h"
#include "tests/reference/random_case.h"
#include "tests/reference/reference_executor.h"
#include "tests/support/scenario_text.h"

namespace memsim_reference {

struct Comparison {
  std::string error;  // memsim refused or failed the case (its message)
  std::string diff;   // one line per differing figure; empty when they agree
  Result reference;
  bool agree() const { return error.empty() && diff.empty(); }
};

class StepRecorder : public memsim::StepSink {
 public:
  void on_step(const memsim::TimedStep& step) override { steps.push_back(step); }
  std::vector<memsim::TimedStep> steps;
};

inline std::string exact_text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

inline Comparison compare_with_memsim(const Case& c) {
  Comparison out;
  out.reference = run_reference(c.graph, c.machine, c.options);
  const Result& ref = out.reference;
  StepRecorder recorder;
  memsim::RunResult got;
  memsim::Simulation sim;
  try {
    sim = memsim::test::load_text(scenario_toml(c));
    got = memsim::run_simulation(sim, &recorder);
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
  std::ostringstream d;
  const auto time = [&](const std::string& what, double memsim, double reference) {
    if (memsim != reference)
      d << what << ": memsim " << exact_text(memsim) << ", reference " << exact_text(reference)
        << "\n";
  };
  const auto count = [&](const std::string& what, std::uint64_t memsim, std::uint64_t reference) {
    if (memsim != reference)
      d << what << ": memsim " << memsim << ", reference " << reference << "\n";
  };
  for (const std::string& v : ref.violations)
    d << "reference sees a broken invariant: " << v << "\n";
  time("time", got.times.time, ref.time);
  time("compute busy", got.times.compute_busy, ref.compute_busy);
  time("DRAM busy", got.times.dram_busy, ref.dram_busy);
  time("load stall", got.times.stall_load, ref.stall_load);
  time("store stall", got.times.stall_store, ref.stall_store);
  count("loads", got.counts.loads, ref.loads);
  count("stores", got.counts.stores, ref.stores);
  count("load bytes", got.counts.load_bytes, ref.load_bytes);
  count("store bytes", got.counts.store_bytes, ref.store_bytes);
  count("drops", got.counts.drops, ref.drops);
  count("peak cache", got.counts.peak_cache_bytes, ref.peak_cache);
  count("computes", got.counts.computes, c.graph.ops.size());

  // Each op's start and end, in the order the ops ran.
  std::vector<const memsim::TimedStep*> computes, transfers;
  for (const memsim::TimedStep& s : recorder.steps) {
    if (s.step.kind == memsim::StepKind::compute) computes.push_back(&s);
    if (s.step.kind == memsim::StepKind::load || s.step.kind == memsim::StepKind::store)
      transfers.push_back(&s);
  }
  for (std::size_t k = 0; k < computes.size() && k < ref.ops.size(); ++k) {
    const std::string name(sim.graph.op_name(computes[k]->step.id));
    if (name != c.graph.ops[k].name) {
      d << "op at position " << k + 1 << ": memsim runs " << name << "\n";
      break;
    }
    time(name + " start", computes[k]->start, ref.ops[k].start);
    time(name + " end", computes[k]->end, ref.ops[k].end);
  }
  // Every transfer in decision order, with its channel (§4.3: the channel free earliest, the
  // lowest-numbered on ties); the first difference explains the rest.
  for (std::size_t k = 0; k < transfers.size() && k < ref.transfers.size(); ++k) {
    const memsim::TimedStep& s = *transfers[k];
    const Transfer& x = ref.transfers[k];
    const std::string memsim_text =
        std::string(s.step.kind == memsim::StepKind::store ? "store " : "load ") +
        std::string(sim.graph.tensor_name(s.step.id)) + " " + exact_text(s.start) + "-" +
        exact_text(s.end) + " channel " + std::to_string(s.channel);
    const std::string reference_text =
        std::string(x.store ? "store " : "load ") + c.graph.tensors[x.tensor].name + " " +
        exact_text(x.start) + "-" + exact_text(x.end) + " channel " + std::to_string(x.channel);
    if (memsim_text != reference_text) {
      d << "transfer " << k + 1 << ": memsim " << memsim_text << ", reference " << reference_text
        << "\n";
      break;
    }
  }
  count("transfers", transfers.size(), ref.transfers.size());
  out.diff = d.str();
  return out;
}

}  // namespace memsim_reference
