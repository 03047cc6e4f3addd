#pragma once
// The planner, without its exact search, on a graph small enough for that search: at a budget
// of 0.8x the peak of the given order, its plan must be valid and cost at least the optimum the
// exact search proves, and its lower bound must be at most that optimum.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>

#include "policies/solver/remat_exact.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"

namespace memsim::test {

inline void check_planner_brackets_optimum(planner::RematProblem p) {
  p.budget = static_cast<std::uint64_t>(
      std::ceil(0.8 * static_cast<double>(planner::peak_without_recompute(p))));
  const planner::ExactOutcome exact = planner::exact_recompute(p, 60, 20'000'000);
  REQUIRE(exact.finished);
  REQUIRE(exact.plan);
  const double optimum = planner::check_plan(p, *exact.plan).recompute_cost;
  planner::RematPlannerOptions options;
  options.time_limit_seconds = 5;
  options.exact_search = false;
  const planner::RematPlannerResult r = planner::plan_recompute(p, options);
  REQUIRE(r.found);
  CHECK(planner::check_plan(p, r.plan).ok);
  CHECK(r.cost >= optimum - 1e-9);
  CHECK(r.lower_bound <= optimum + 1e-9);
}

}  // namespace memsim::test
