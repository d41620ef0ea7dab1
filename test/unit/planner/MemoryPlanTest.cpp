// The workspace planner's offsets: valid (buffers live at the same time never
// share a byte, offsets aligned) and compact (close to the largest total of
// simultaneously live bytes, which no valid plan can beat).
#include "kiln/Conversion/MemoryPlan.h"

#include <gtest/gtest.h>

#include <random>

using mlir::kiln::maxLiveBytes;
using mlir::kiln::planOffsets;
using mlir::kiln::PlannedBuffer;

namespace {

constexpr int64_t kAlign = 64;

/// Checks every pair independently of the planner's own bookkeeping.
void expectValid(const std::vector<PlannedBuffer> &bs, uint64_t total) {
  for (size_t i = 0; i < bs.size(); ++i) {
    EXPECT_EQ(bs[i].offset % kAlign, 0) << "buffer " << i;
    EXPECT_GE(bs[i].offset, 0);
    EXPECT_LE(static_cast<uint64_t>(bs[i].offset + bs[i].size), total)
        << "buffer " << i << " ends past the workspace";
    for (size_t j = i + 1; j < bs.size(); ++j) {
      bool liveTogether = bs[i].start <= bs[j].end && bs[j].start <= bs[i].end;
      bool shareBytes = bs[i].offset < bs[j].offset + bs[j].size &&
                        bs[j].offset < bs[i].offset + bs[i].size;
      EXPECT_FALSE(liveTogether && shareBytes)
          << "buffers " << i << " and " << j << " overlap";
    }
  }
}

/// The peak, computed by brute force over every position.
uint64_t peakByScan(const std::vector<PlannedBuffer> &bs) {
  int64_t last = 0;
  for (const PlannedBuffer &b : bs)
    last = std::max(last, b.end);
  uint64_t peak = 0;
  for (int64_t p = 0; p <= last; ++p) {
    uint64_t live = 0;
    for (const PlannedBuffer &b : bs)
      if (b.start <= p && p <= b.end)
        live += (b.size + kAlign - 1) / kAlign * kAlign;
    peak = std::max(peak, live);
  }
  return peak;
}

TEST(MemoryPlan, EmptyPlanIsEmpty) {
  std::vector<PlannedBuffer> bs;
  EXPECT_EQ(planOffsets(bs, kAlign), 0u);
}

TEST(MemoryPlan, DisjointLifetimesShareBytes) {
  // a -> b -> c: a dies when c is born, so c reuses a's bytes.
  std::vector<PlannedBuffer> bs = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}};
  uint64_t total = planOffsets(bs, kAlign);
  expectValid(bs, total);
  EXPECT_EQ(bs[0].offset, bs[2].offset);
  EXPECT_EQ(total, 2 * 1024u);
}

TEST(MemoryPlan, OverlappingLifetimesDoNot) {
  std::vector<PlannedBuffer> bs = {{100, 0, 5}, {100, 1, 2}, {100, 2, 5}};
  uint64_t total = planOffsets(bs, kAlign);
  expectValid(bs, total);
  EXPECT_EQ(total, 3 * 128u);
}

// Chains with skip connections, like the graphs Kiln plans: each op's result
// lives until its last consumer, mostly the next op, sometimes a few ops
// later (residual and attention branches); a network has a few distinct
// tensor sizes (its layer widths), and packing scratch is small.
TEST(MemoryPlan, GraphLikeLifetimesWithinTenPercentOfPeak) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    int ops = 2 + rng() % 60;
    int64_t widths[4];
    for (int64_t &w : widths)
      w = 64 * (1 + rng() % 4096);
    std::vector<PlannedBuffer> bs;
    for (int i = 0; i < ops; ++i) {
      unsigned r = rng() % 20;
      int64_t reach = r < 16 ? 1 : r < 19 ? 2 + rng() % 2 : 4 + rng() % 5;
      int64_t size = rng() % 8 == 0 ? 64 * (1 + rng() % 64) : widths[rng() % 4];
      bs.push_back({size, i, std::min<int64_t>(i + reach, ops), 0});
    }
    uint64_t total = planOffsets(bs, kAlign);
    expectValid(bs, total);
    uint64_t peak = peakByScan(bs);
    EXPECT_EQ(maxLiveBytes(bs, kAlign), peak);
    EXPECT_GE(total, peak);
    EXPECT_LE(total, peak * 11 / 10) << "trial " << trial;
  }
}

// Arbitrary intervals: always valid, and never worse than no sharing.
TEST(MemoryPlan, RandomIntervalsAreValid) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<PlannedBuffer> bs;
    uint64_t sum = 0;
    int n = 1 + rng() % 40;
    for (int i = 0; i < n; ++i) {
      int64_t start = rng() % 50, len = rng() % 20;
      int64_t size = 1 + rng() % 100000;
      bs.push_back({size, start, start + len, 0});
      sum += (size + kAlign - 1) / kAlign * kAlign;
    }
    uint64_t total = planOffsets(bs, kAlign);
    expectValid(bs, total);
    EXPECT_GE(total, peakByScan(bs));
    EXPECT_LE(total, sum);
  }
}

} // namespace
