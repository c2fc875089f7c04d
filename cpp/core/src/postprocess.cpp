#include "core/postprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/fp16.h"

namespace npulens {

Status DequantizeToFloat(const void* src, size_t srcBytes, DType dtype, const QuantParams* quant, float* dst,
                         size_t count) {
  constexpr const char* kStep = "postprocess";
  if (src == nullptr || dst == nullptr) return Status(kStep, code::kInvalidArgument, "null output buffer");
  if (count == 0 || srcBytes / DTypeSize(dtype) != count || srcBytes % DTypeSize(dtype) != 0) {
    return Status(kStep, code::kInvalidArgument,
                  "output has " + std::to_string(srcBytes) + " bytes, expected " + std::to_string(count) + " " +
                      DTypeName(dtype) + " values (" + std::to_string(count * DTypeSize(dtype)) + " bytes)");
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(src);
  switch (dtype) {
    case DType::kFloat32:
      std::memcpy(dst, bytes, count * 4);  // memcpy: the tensor buffer need not be float-aligned
      break;
    case DType::kFloat16:
      for (size_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        dst[i] = HalfToFloat(h);
      }
      break;
    case DType::kInt8:
    case DType::kUint8: {
      if (quant == nullptr) {
        return Status(kStep, code::kInvalidArgument, std::string(DTypeName(dtype)) + " output needs quant parameters");
      }
      const float scale = quant->scale;
      const int32_t zp = quant->zeroPoint;
      if (dtype == DType::kInt8) {
        for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(static_cast<int8_t>(bytes[i]) - zp) * scale;
      } else {
        for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(static_cast<int32_t>(bytes[i]) - zp) * scale;
      }
      break;
    }
  }
  return Status::Ok();
}

void SoftmaxInPlace(float* v, size_t n) {
  if (n == 0) return;
  float maxValue = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i) maxValue = std::max(maxValue, v[i]);  // NaN never wins std::max(a, NaN)
  if (std::isinf(maxValue) && maxValue < 0) {                          // all −inf: no information, uniform
    for (size_t i = 0; i < n; ++i) v[i] = 1.0f / static_cast<float>(n);
    return;
  }
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    v[i] = std::exp(v[i] - maxValue);
    sum += v[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (size_t i = 0; i < n; ++i) v[i] *= inv;
}

Result<std::vector<TopKEntry>> TopK(const float* scores, size_t count, size_t k) {
  if (scores == nullptr || count == 0) {
    return Status("postprocess.topk", code::kInvalidArgument, "no scores");
  }
  if (k < 1 || k > count) {
    return Status("postprocess.topk", code::kOutOfRange,
                  "top-K must be in [1, " + std::to_string(count) + "] (got " + std::to_string(k) + ")");
  }
  // Strict weak order: higher score first, NaN last, ties by lower index.
  auto better = [scores](size_t a, size_t b) {
    const float x = scores[a], y = scores[b];
    const bool xn = std::isnan(x), yn = std::isnan(y);
    if (xn != yn) return yn;
    if (!xn && x != y) return x > y;
    return a < b;
  };
  std::vector<size_t> order(count);
  for (size_t i = 0; i < count; ++i) order[i] = i;
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), better);
  std::vector<TopKEntry> top(k);
  for (size_t r = 0; r < k; ++r) top[r] = {static_cast<int>(r + 1), order[r], scores[order[r]]};
  return top;
}

struct Postprocessor::Impl {
  OutputSpec spec;
  std::vector<float> scores;
};

Postprocessor::Postprocessor() = default;
Postprocessor::~Postprocessor() = default;
Postprocessor::Postprocessor(Postprocessor&&) noexcept = default;
Postprocessor& Postprocessor::operator=(Postprocessor&&) noexcept = default;

Result<Postprocessor> Postprocessor::Create(const OutputSpec& spec) {
  Status valid = ValidateOutputSpec(spec, "output");
  if (!valid.ok()) return valid;
  Postprocessor p;
  p.impl_ = std::make_unique<Impl>();
  p.impl_->spec = spec;
  p.impl_->scores.reserve(static_cast<size_t>(spec.classes));
  return p;
}

size_t Postprocessor::InputBytes() const {
  return impl_ ? static_cast<size_t>(impl_->spec.classes) * DTypeSize(impl_->spec.dtype) : 0;
}

const OutputSpec& Postprocessor::spec() const { return impl_->spec; }

const std::vector<float>& Postprocessor::scores() const { return impl_->scores; }

Result<std::vector<TopKEntry>> Postprocessor::Run(const void* src, size_t srcBytes, size_t k) {
  if (!impl_) return Status("postprocess", code::kInternal, "postprocessor was not created");
  Impl& im = *impl_;
  const size_t n = static_cast<size_t>(im.spec.classes);
  if (k < 1 || k > n) {  // checked first so a bad K leaves the last scores intact
    return Status("postprocess.topk", code::kOutOfRange,
                  "top-K must be in [1, " + std::to_string(n) + "] (got " + std::to_string(k) + ")");
  }
  im.scores.resize(n);
  Status s =
      DequantizeToFloat(src, srcBytes, im.spec.dtype, im.spec.quant ? &*im.spec.quant : nullptr, im.scores.data(), n);
  if (!s.ok()) {
    im.scores.clear();
    return s;
  }
  if (im.spec.kind == OutputKind::kLogits) SoftmaxInPlace(im.scores.data(), n);
  return TopK(im.scores.data(), n, k);
}

}  // namespace npulens
