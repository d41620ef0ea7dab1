//===- MemoryPlan.cpp - placing buffers in one workspace ----------*- C++ -*-===//
#include "kiln/Conversion/MemoryPlan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <random>

using namespace mlir::kiln;

static int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

static bool overlaps(const PlannedBuffer &a, const PlannedBuffer &b) {
  return a.start <= b.end && b.start <= a.end;
}

/// Places the buffers one by one in `order`; each goes into a gap between
/// the already placed buffers that are live at the same time: the lowest one
/// that fits (first fit) or the smallest one that fits (best fit), else past
/// the last of them.
static uint64_t placeInOrder(std::vector<PlannedBuffer> &buffers,
                             const std::vector<size_t> &order,
                             int64_t alignment, bool bestFit) {
  std::vector<size_t> placed;
  uint64_t total = 0;
  for (size_t i : order) {
    PlannedBuffer &b = buffers[i];
    std::vector<const PlannedBuffer *> live;
    for (size_t j : placed)
      if (overlaps(b, buffers[j]))
        live.push_back(&buffers[j]);
    std::sort(live.begin(), live.end(),
              [](const PlannedBuffer *x, const PlannedBuffer *y) {
                return x->offset < y->offset;
              });
    int64_t offset = 0, best = -1, bestGap = INT64_MAX;
    for (const PlannedBuffer *o : live) {
      int64_t gap = o->offset - offset;
      if (gap >= b.size && gap < bestGap) {
        best = offset;
        bestGap = gap;
        if (!bestFit)
          break;
      }
      offset = std::max(offset, alignUp(o->offset + o->size, alignment));
    }
    b.offset = best >= 0 ? best : offset;
    total = std::max<uint64_t>(total, alignUp(b.offset + b.size, alignment));
    placed.push_back(i);
  }
  return total;
}

uint64_t mlir::kiln::planOffsets(std::vector<PlannedBuffer> &buffers,
                                 int64_t alignment) {
  if (buffers.empty())
    return 0;
  // The live bytes at each buffer's busiest moment: placing the buffers of
  // the most crowded positions first packs those positions tightly.
  std::vector<int64_t> crowd(buffers.size(), 0);
  for (size_t i = 0; i < buffers.size(); ++i)
    for (int64_t p : {buffers[i].start, buffers[i].end}) {
      int64_t live = 0;
      for (const PlannedBuffer &o : buffers)
        if (o.start <= p && p <= o.end)
          live += alignUp(o.size, alignment);
      crowd[i] = std::max(crowd[i], live);
    }
  using Key = std::function<bool(size_t, size_t)>;
  const Key orders[] = {
      [&](size_t a, size_t b) { return buffers[a].size > buffers[b].size; },
      [&](size_t a, size_t b) {
        return crowd[a] != crowd[b] ? crowd[a] > crowd[b]
                                    : buffers[a].size > buffers[b].size;
      },
      [&](size_t a, size_t b) {
        return buffers[a].end - buffers[a].start >
               buffers[b].end - buffers[b].start;
      },
      [&](size_t a, size_t b) { return buffers[a].start < buffers[b].start; },
  };
  uint64_t best = UINT64_MAX;
  std::vector<int64_t> bestOffsets;
  std::vector<size_t> bestOrder;
  bool bestFitWins = false;
  auto attempt = [&](const std::vector<size_t> &order, bool bestFit) {
    uint64_t total = placeInOrder(buffers, order, alignment, bestFit);
    if (total >= best)
      return false;
    best = total;
    bestOrder = order;
    bestFitWins = bestFit;
    bestOffsets.clear();
    for (const PlannedBuffer &b : buffers)
      bestOffsets.push_back(b.offset);
    return true;
  };
  for (const Key &less : orders)
    for (bool bestFit : {false, true}) {
      std::vector<size_t> order(buffers.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), less);
      attempt(order, bestFit);
    }
  // Then a local search: moving one buffer earlier in the best order,
  // kept when the workspace shrinks. Deterministic (fixed seed), and bounded
  // so that planning stays well under a second for thousands of buffers.
  size_t n = buffers.size();
  uint64_t budget = 40000000 / std::max<size_t>(1, n * n);
  std::mt19937_64 rng(0x6b696c6e);
  for (uint64_t step = 0; step < std::min<uint64_t>(budget, 2000) && n > 2;
       ++step) {
    std::vector<size_t> order = bestOrder;
    size_t from = rng() % n, to = rng() % n;
    if (from == to)
      continue;
    size_t moved = order[from];
    order.erase(order.begin() + from);
    order.insert(order.begin() + to, moved);
    attempt(order, bestFitWins);
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    buffers[i].offset = bestOffsets[i];
  return best;
}

uint64_t mlir::kiln::maxLiveBytes(const std::vector<PlannedBuffer> &buffers,
                                  int64_t alignment) {
  // Sweep over lifetime boundaries.
  std::map<int64_t, int64_t> delta;
  for (const PlannedBuffer &b : buffers) {
    delta[b.start] += alignUp(b.size, alignment);
    delta[b.end + 1] -= alignUp(b.size, alignment);
  }
  int64_t live = 0, peak = 0;
  for (auto &[pos, d] : delta) {
    live += d;
    peak = std::max(peak, live);
  }
  return peak;
}
