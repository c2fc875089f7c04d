#include "core/fp16.h"

#include <cstring>

namespace npulens {

uint16_t FloatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t absBits = bits & 0x7fffffffu;
  if (absBits >= 0x7f800000u) {  // inf or NaN
    return static_cast<uint16_t>(sign | 0x7c00u | (absBits > 0x7f800000u ? 0x0200u : 0u));
  }
  if (absBits >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to ≥ 65520 → inf
  const int exponent = static_cast<int>(absBits >> 23) - 127;
  if (exponent < -14) {
    // Subnormal half (or zero): value = mantissa × 2^-24. Shift the 24-bit significand, round half to even.
    if (exponent < -25) return static_cast<uint16_t>(sign);  // below half of the smallest subnormal
    const uint32_t significand = (absBits & 0x7fffffu) | 0x800000u;
    const int shift = -exponent - 1;  // 14..24 bits dropped: half mantissa = significand × 2^(exponent + 1)
    const uint32_t dropBits = static_cast<uint32_t>(shift);
    uint32_t half = significand >> dropBits;
    const uint32_t remainder = significand & ((1u << dropBits) - 1u);
    const uint32_t halfway = 1u << (dropBits - 1u);
    if (remainder > halfway || (remainder == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  // Normal: keep 10 mantissa bits, round half to even on the 13 dropped bits (a carry may bump the exponent).
  uint32_t half = ((static_cast<uint32_t>(exponent + 15)) << 10) | ((absBits >> 13) & 0x3ffu);
  const uint32_t remainder = absBits & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u))) ++half;
  return static_cast<uint16_t>(sign | half);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

}  // namespace npulens
