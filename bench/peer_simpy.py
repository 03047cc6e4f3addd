#!/usr/bin/env python3
"""The dense chain as a SimPy 2 model (Debian's python3-simpy), the second peer of the whole-run
benchmark.

The same machine and chain as peer_loop.py (uniform mode, LRU, lookahead L), written the way a
SimPy user would: the compute unit is a Process that runs the ops, the DRAM channel a FIFO
Resource, and each load or store a Process that holds the channel for one time unit and signals
a SimEvent when done. Evictions take resident weights, which are never dirty and never still
loading in a chain with four or more slots, so a victim's space is free at once; the benchmark
checks that its counts and time equal memsim's on small chains before timing it.

Usage: peer_simpy.py LAYERS [CAPACITY [LOOKAHEAD]]; prints one JSON line with memsim's keys.
"""
import json
import sys
from collections import OrderedDict

from SimPy.Simulation import (Process, Resource, SimEvent, activate, hold, initialize, now,
                              release, request, simulate, waitevent)


class Machine:
    def __init__(self, n, capacity, lookahead):
        self.n, self.capacity, self.lookahead = n, capacity, lookahead
        self.ops = [(["W%d" % i, "X%d" % (i - 1)], ["X%d" % i]) for i in range(1, n + 1)]
        self.dram = Resource(capacity=1, name="dram")  # FIFO: first come, first served
        self.in_dram = {"X0": True}
        for i in range(1, n + 1):
            self.in_dram["W%d" % i] = True
        self.held = OrderedDict()  # LRU order
        self.loading = {}  # tensor -> SimEvent signalled when its load ends
        self.loads = self.stores = self.drops = 0
        self.stall = 0.0

    def last_use(self, t):
        i = int(t[1:])
        return i - 1 if t[0] == "W" else i  # W_i is read by op i-1 (0-based), X_i by op i

    def needed(self, t, pos):
        return self.last_use(t) >= pos or t == "X%d" % self.n

    def drop(self, t):
        del self.held[t]
        self.drops += 1

    def make_room(self, pinned):
        while len(self.held) >= self.capacity:
            victim = next(v for v in self.held if v not in pinned)
            self.drop(victim)

    def start_load(self, t):
        self.loads += 1
        self.held[t] = True
        self.held.move_to_end(t)
        self.loading[t] = SimEvent(name=t)
        tr = Transfer()
        activate(tr, tr.go(self, t, True))


class Transfer(Process):
    def go(self, m, t, is_load):
        yield request, self, m.dram
        yield hold, self, 1.0
        yield release, self, m.dram
        if is_load:
            m.loading.pop(t).signal()


class Compute(Process):
    def go(self, m):
        ops, n = m.ops, m.n
        for i in range(n):
            d = now()
            ins, outs = ops[i]
            last = min(i + m.lookahead, n - 1)
            window = set()
            for k in range(i, last + 1):
                window.update(ops[k][0] + ops[k][1])
            current = set(ins + outs)
            for t in ins:  # mandatory loads
                if t not in m.held:
                    pinned = window if any(v not in window for v in m.held) else current
                    m.make_room(pinned)
                    m.start_load(t)
            for t in outs:
                m.make_room(window if any(v not in window for v in m.held) else current)
                m.held[t] = True
            for t in ins + outs:
                m.held.move_to_end(t)
            for k in range(i + 1, last + 1):  # prefetch
                want = [t for t in ops[k][0] if t not in m.held and m.in_dram.get(t, False)]
                spare = sum(1 for v in m.held if v not in window)
                if m.capacity - len(m.held) + spare >= len(want):
                    for t in want:
                        m.make_room(window)
                        m.start_load(t)
                    continue
                for t in want[: m.capacity - len(m.held)]:
                    m.start_load(t)
                break
            for t in ins:
                if t in m.loading:
                    yield waitevent, self, m.loading[t]
            m.stall += now() - d
            yield hold, self, 1.0
            for t in ins + outs:  # dead tensors go at once; the last output is stored
                if t in m.held and t[0] == "X" and not m.needed(t, i + 1):
                    m.drop(t)
            for t in outs:
                if t == "X%d" % n:
                    m.stores += 1
                    m.in_dram[t] = True
                    tr = Transfer()
                    activate(tr, tr.go(m, t, False))


def main():
    n = int(sys.argv[1])
    capacity = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    lookahead = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    initialize()
    m = Machine(n, capacity, lookahead)
    c = Compute()
    activate(c, c.go(m))
    simulate(until=1e18)
    print(json.dumps({"time_s": now(), "loads": m.loads, "stores": m.stores, "drops": m.drops,
                      "stall_s": m.stall}))


if __name__ == "__main__":
    main()
