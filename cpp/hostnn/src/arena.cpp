#include "arena.h"

#include <algorithm>
#include <numeric>

namespace hostnn {

std::vector<size_t> PlaceBuffers(const std::vector<BufferLife>& buffers, size_t alignment, size_t* arenaBytes) {
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest first; ties by first step, then index, so that the layout does not depend on the sort's whims.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (buffers[a].bytes != buffers[b].bytes) return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].first < buffers[b].first;
  });
  std::vector<size_t> offsets(buffers.size(), 0);
  std::vector<size_t> placed;  // indices, by offset
  size_t end = 0;
  for (size_t i : order) {
    const BufferLife& b = buffers[i];
    const size_t bytes = (b.bytes + alignment - 1) & ~(alignment - 1);
    // The lowest gap between the live placed buffers (by offset) that holds this one.
    size_t at = 0;
    for (size_t j : placed) {
      const BufferLife& o = buffers[j];
      if (o.last < b.first || b.last < o.first) continue;  // never alive together
      const size_t oEnd = offsets[j] + ((o.bytes + alignment - 1) & ~(alignment - 1));
      if (offsets[j] >= at + bytes) break;  // fits before it
      at = std::max(at, oEnd);
    }
    offsets[i] = at;
    end = std::max(end, at + bytes);
    placed.insert(
        std::upper_bound(placed.begin(), placed.end(), i, [&](size_t x, size_t y) { return offsets[x] < offsets[y]; }),
        i);
  }
  *arenaBytes = end;
  return offsets;
}

}  // namespace hostnn
