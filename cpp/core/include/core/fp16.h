// IEEE 754 binary16 <-> binary32 conversion, round-to-nearest-even, shared by pre- and post-processing.
// Overflow gives ±inf, NaN stays NaN (quiet), tiny values become subnormals or ±0 as the standard says.
#pragma once

#include <cstdint>

namespace npulens {

uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t half);

}  // namespace npulens
