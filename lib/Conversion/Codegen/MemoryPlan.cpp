//===- MemoryPlan.cpp - placing buffers in one workspace ----------*- C++ -*-===//
#include "kiln/Conversion/MemoryPlan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>

using namespace mlir::kiln;

static int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

static bool overlaps(const PlannedBuffer &a, const PlannedBuffer &b) {
  return a.start <= b.end && b.start <= a.end;
}

/// First fit in `order`: each buffer goes to the lowest offset that does not
/// collide with an already placed buffer live at the same time.
static uint64_t placeInOrder(std::vector<PlannedBuffer> &buffers,
                             const std::vector<size_t> &order,
                             int64_t alignment) {
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
    int64_t offset = 0;
    for (const PlannedBuffer *o : live) {
      if (offset + b.size <= o->offset)
        break;
      offset = std::max(offset, alignUp(o->offset + o->size, alignment));
    }
    b.offset = offset;
    total = std::max<uint64_t>(total, alignUp(offset + b.size, alignment));
    placed.push_back(i);
  }
  return total;
}

uint64_t mlir::kiln::planOffsets(std::vector<PlannedBuffer> &buffers,
                                 int64_t alignment) {
  using Less = std::function<bool(const PlannedBuffer &,
                                  const PlannedBuffer &)>;
  const Less orders[] = {
      [](const PlannedBuffer &a, const PlannedBuffer &b) {
        return a.size > b.size;
      },
      [](const PlannedBuffer &a, const PlannedBuffer &b) {
        return a.end - a.start > b.end - b.start;
      },
      [](const PlannedBuffer &a, const PlannedBuffer &b) {
        return a.start < b.start;
      },
  };
  uint64_t best = UINT64_MAX;
  std::vector<int64_t> bestOffsets;
  for (const Less &less : orders) {
    std::vector<size_t> order(buffers.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return less(buffers[x], buffers[y]);
    });
    uint64_t total = placeInOrder(buffers, order, alignment);
    if (total < best) {
      best = total;
      bestOffsets.clear();
      for (const PlannedBuffer &b : buffers)
        bestOffsets.push_back(b.offset);
    }
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    buffers[i].offset = bestOffsets[i];
  return buffers.empty() ? 0 : best;
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
