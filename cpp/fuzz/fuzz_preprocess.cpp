// libFuzzer target: pre-processing with random geometry. The input picks the source size, row stride, pixel
// format (RGBA, BGRA, RGB, NV21, NV12) and buffer length (sometimes too short: ValidateImage must refuse it), the
// InputSpec (output size, layout, dtype, colour order, mean/std, quantization, centre crop) and the pixels; one
// Preprocessor then runs two images of different geometry (its coefficient caches are keyed by geometry). Errors are
// Statuses; a crash, an out-of-bounds access or a sanitizer report is a finding.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/preprocess.h"

namespace {

// Sides up to 600 keep one run in the millisecond range; the validation of huge sides is checked without pixels.
// NV21/NV12 frames get even sides three times in four (odd ones must be refused), rows = RowCount (Y, then chroma).
npulens::Status RunImage(FuzzedDataProvider& in, npulens::Preprocessor& pre) {
  npulens::ImageView img;
  img.format =
      in.PickValueInArray({npulens::PixelFormat::kRGBA8, npulens::PixelFormat::kBGRA8, npulens::PixelFormat::kRGB8,
                           npulens::PixelFormat::kNV21, npulens::PixelFormat::kNV12});
  img.width = in.ConsumeIntegralInRange<int>(-2, 600);
  img.height = in.ConsumeIntegralInRange<int>(-2, 600);
  if (npulens::IsYuv420sp(img.format) && in.ConsumeIntegralInRange<int>(0, 3) != 0) {
    img.width &= ~1, img.height &= ~1;
  }
  const size_t row = npulens::RowBytes(img.format, img.width);
  img.rowStride = row + in.ConsumeIntegralInRange<size_t>(0, 70);
  if (in.ConsumeBool()) img.rowStride = in.ConsumeIntegralInRange<size_t>(0, row + 8);  // may be < RowBytes
  const size_t rows = npulens::RowCount(img.format, img.height);
  size_t need = rows > 0 ? img.rowStride * (rows - 1) + row : 0;
  size_t length = need;
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0)
    length = need - std::min(need, in.ConsumeIntegralInRange<size_t>(1, 64));
  std::vector<uint8_t> pixels = in.ConsumeBytes<uint8_t>(length);
  pixels.resize(length, 0x5a);
  img.data = in.ConsumeIntegralInRange<int>(0, 15) == 0 ? nullptr : pixels.data();
  img.byteLength = length;
  std::vector<uint8_t> dst(pre.OutputBytes() + (in.ConsumeIntegralInRange<int>(0, 15) == 0 ? 1 : 0));
  return pre.Run(img, dst.data(), dst.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  npulens::InputSpec spec;
  spec.width = in.ConsumeIntegralInRange<int>(-1, 512);
  spec.height = in.ConsumeIntegralInRange<int>(-1, 512);
  spec.channels = in.ConsumeIntegralInRange<int>(0, 4) == 0 ? in.ConsumeIntegral<int>() : 3;
  spec.layout = in.ConsumeBool() ? npulens::Layout::kNCHW : npulens::Layout::kNHWC;
  spec.dtype = in.PickValueInArray(
      {npulens::DType::kFloat32, npulens::DType::kFloat16, npulens::DType::kInt8, npulens::DType::kUint8});
  spec.colorOrder = in.ConsumeBool() ? npulens::ColorOrder::kRGB : npulens::ColorOrder::kBGR;
  for (int c = 0; c < 3; ++c) {
    spec.mean[c] = in.ConsumeFloatingPoint<float>();
    spec.std[c] =
        in.ConsumeBool() ? in.ConsumeFloatingPointInRange<float>(0.01f, 300.f) : in.ConsumeFloatingPoint<float>();
  }
  if (in.ConsumeBool())
    spec.quant = npulens::QuantParams{in.ConsumeFloatingPoint<float>(), in.ConsumeIntegral<int32_t>()};
  spec.centerCrop =
      in.ConsumeBool() ? in.ConsumeFloatingPointInRange<float>(0.f, 1.f) : in.ConsumeFloatingPoint<float>();
  auto pre = npulens::Preprocessor::Create(spec);
  if (!pre.ok()) return 0;
  (void)RunImage(in, pre.value());
  (void)RunImage(in, pre.value());
  return 0;
}
