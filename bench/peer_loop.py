#!/usr/bin/env python3
"""A plain Python loop of memsim's executor, the peer the whole-run benchmark times memsim against.

It runs the model memsim runs for a dense chain (docs/model.md §1-§6, §11): N forward ops, op i
reading W_i and X_{i-1} and writing X_i, in uniform mode (every tensor one unit, every transfer
and op one time unit, one DRAM channel), LRU eviction, a lookahead L (1 = double-buffer). The
executor rules are those of §4 for ops without updates: decision points, drops of dead tensors,
stores of required outputs, mandatory loads with eviction, prefetch that evicts only what it can
use, free-space pieces, and a first-come-first-served channel. Written as a Python programmer
would write it (dicts, an OrderedDict for LRU), not tuned either way.

Usage: peer_loop.py LAYERS [CAPACITY [LOOKAHEAD]]; prints one JSON line with memsim's keys
(time_s, loads, stores, drops, stall_s).
"""
import json
import sys
from collections import OrderedDict


def dense_chain(n):
    """Tensors and ops of a dense chain, as memsim's inference generator makes them."""
    # tensor: [starts_in_dram, is_weight, required]
    tensors = {"X0": [True, False, False]}
    ops = []
    for i in range(1, n + 1):
        tensors["W%d" % i] = [True, True, False]
        tensors["X%d" % i] = [False, False, i == n]
        ops.append((["W%d" % i, "X%d" % (i - 1)], ["X%d" % i]))
    return tensors, ops


def run(tensors, ops, capacity, lookahead):
    n = len(ops)
    last_use = {}
    for i, (ins, outs) in enumerate(ops):
        for t in ins + outs:
            last_use[t] = i
    dram = {t: v[0] for t, v in tensors.items()}  # has (or will have) a DRAM copy
    ready = {}  # end of the load or op that made the current copy
    store_end = {}
    dropped_at = {}
    held = OrderedDict()  # in LRU order, least recently touched first
    pieces = [(0.0, capacity)]  # free space: (free from, units), in the order added
    free = capacity
    chan_free = 0.0
    last_start = 0.0
    loads = stores = drops = 0
    stall = 0.0

    def needed(t, pos):
        return last_use.get(t, -1) >= pos or tensors[t][2]

    def transfer(may_start):
        nonlocal chan_free, last_start
        start = max(may_start, last_start, chan_free)
        last_start = start
        chan_free = start + 1.0
        return chan_free

    def store(t, d):
        nonlocal stores
        stores += 1
        store_end[t] = transfer(max(d, ready[t]))
        dram[t] = True

    def drop(t, when):
        nonlocal free, drops
        del held[t]
        pieces.append((when, 1))
        free += 1
        dropped_at[t] = when
        drops += 1

    def evict(d, pos, eligible):
        for v in held:
            if eligible(v):
                if needed(v, pos) and not dram[v]:
                    store(v, d)
                drop(v, max(d, ready.get(v, 0.0), store_end.get(v, 0.0)))
                return
        raise RuntimeError("no tensor to evict")

    def allocate(d, pos, eligible_lists):
        nonlocal free
        while free < 1:
            for eligible in eligible_lists:
                if any(eligible(v) for v in held):
                    evict(d, pos, eligible)
                    break
            else:
                raise RuntimeError("allocation failed")
        k = min(range(len(pieces)), key=lambda j: pieces[j][0])
        when, units = pieces[k]
        if units == 1:
            del pieces[k]
        else:
            pieces[k] = (when, units - 1)
        free -= 1
        return max(d, when)

    def load(t, alloc_time):
        nonlocal loads
        loads += 1
        issue = max(alloc_time, store_end.get(t, 0.0), dropped_at.get(t, 0.0))
        held[t] = True
        held.move_to_end(t)
        ready[t] = transfer(issue)

    d = 0.0
    for i in range(n + 1):
        if i > 0:  # 1. finish op i-1
            ins, outs = ops[i - 1]
            for t in ins + outs:
                if t in held and not needed(t, i) and not tensors[t][1]:
                    drop(t, d)
            for t in outs:
                if tensors[t][2]:
                    store(t, d)
        if i == n:
            break
        ins, outs = ops[i]
        window = set()
        for k in range(i, min(i + lookahead, n - 1) + 1):
            window.update(ops[k][0] + ops[k][1])
        current = set(ins + outs)
        mandatory = (lambda v: v not in window, lambda v: v not in current)
        for t in ins:  # 2. mandatory loads, then space for the outputs
            if t not in held:
                load(t, allocate(d, i, mandatory))
        out_time = {}
        for t in outs:
            out_time[t] = allocate(d, i, mandatory)
            held[t] = True
            held.move_to_end(t)
        for t in ins + outs:  # 3. touch
            held.move_to_end(t)
        for k in range(i + 1, min(i + lookahead, n - 1) + 1):  # 4. prefetch
            want = [t for t in ops[k][0] if t not in held and dram[t]]
            spare = sum(1 for v in held if v not in window)
            if free + spare >= len(want):
                for t in want:
                    load(t, allocate(d, i, (lambda v: v not in window,)))
                continue
            stop = False
            for t in want:
                if free < 1:
                    stop = True
                    break
                load(t, allocate(d, i, ()))
            if stop:
                break
        start = max([d] + [ready[t] for t in ins] + list(out_time.values()))  # 5. run op i
        stall += start - d
        d = start + 1.0
        for t in outs:
            ready[t] = d
            dram[t] = False
    return {"time_s": max(d, chan_free), "loads": loads, "stores": stores, "drops": drops,
            "stall_s": stall}


def main():
    n = int(sys.argv[1])
    capacity = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    lookahead = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    tensors, ops = dense_chain(n)
    print(json.dumps(run(tensors, ops, capacity, lookahead)))


if __name__ == "__main__":
    main()
