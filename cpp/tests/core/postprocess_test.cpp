#include "core/postprocess.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "core/fp16.h"

namespace npulens {
namespace {

TEST(DequantizeTest, Int8Uint8Float16Float32) {
  const int8_t s8[] = {-128, -2, 0, 5, 127};
  float out[5];
  QuantParams q{0.5f, -2};
  ASSERT_TRUE(DequantizeToFloat(s8, sizeof(s8), DType::kInt8, &q, out, 5).ok());
  EXPECT_FLOAT_EQ(out[0], -63.0f);
  EXPECT_FLOAT_EQ(out[1], 0.0f);
  EXPECT_FLOAT_EQ(out[2], 1.0f);
  EXPECT_FLOAT_EQ(out[3], 3.5f);
  EXPECT_FLOAT_EQ(out[4], 64.5f);

  const uint8_t u8[] = {0, 128, 255};
  QuantParams uq{0.1f, 128};
  ASSERT_TRUE(DequantizeToFloat(u8, 3, DType::kUint8, &uq, out, 3).ok());
  EXPECT_FLOAT_EQ(out[0], -12.8f);
  EXPECT_FLOAT_EQ(out[1], 0.0f);
  EXPECT_FLOAT_EQ(out[2], 12.7f);

  const uint16_t f16[] = {FloatToHalf(1.5f), FloatToHalf(-2.25f)};
  ASSERT_TRUE(DequantizeToFloat(f16, 4, DType::kFloat16, nullptr, out, 2).ok());
  EXPECT_EQ(out[0], 1.5f);
  EXPECT_EQ(out[1], -2.25f);

  // float32 from an odd (unaligned) address.
  unsigned char raw[9];
  const float values[2] = {3.25f, -7.0f};
  std::memcpy(raw + 1, values, 8);
  ASSERT_TRUE(DequantizeToFloat(raw + 1, 8, DType::kFloat32, nullptr, out, 2).ok());
  EXPECT_EQ(out[0], 3.25f);
  EXPECT_EQ(out[1], -7.0f);
}

TEST(DequantizeTest, RejectsWrongSizesAndMissingQuant) {
  float out[4];
  const uint8_t bytes[8] = {};
  EXPECT_EQ(DequantizeToFloat(bytes, 7, DType::kFloat32, nullptr, out, 2).ToString(),
            "postprocess: NPULENS_INVALID_ARGUMENT (1000): output has 7 bytes, expected 2 float32 values (8 bytes)");
  EXPECT_EQ(DequantizeToFloat(bytes, 3, DType::kInt8, nullptr, out, 3).code(), code::kInvalidArgument);
  EXPECT_EQ(DequantizeToFloat(nullptr, 4, DType::kInt8, nullptr, out, 4).code(), code::kInvalidArgument);
}

TEST(SoftmaxTest, StableForHugeLogitsAndSumsToOne) {
  float v[] = {1000.0f, 1001.0f, 999.0f, -1e30f};
  SoftmaxInPlace(v, 4);
  for (float x : v) EXPECT_TRUE(std::isfinite(x));
  const double e = std::exp(1.0);
  const double denom = e + e * e + 1.0;
  EXPECT_NEAR(v[0], e / denom, 1e-6);
  EXPECT_NEAR(v[1], e * e / denom, 1e-6);
  EXPECT_NEAR(v[2], 1.0 / denom, 1e-6);
  EXPECT_EQ(v[3], 0.0f);
  EXPECT_NEAR(v[0] + v[1] + v[2] + v[3], 1.0, 1e-6);

  float neg[] = {-1e20f, -1e20f};
  SoftmaxInPlace(neg, 2);
  EXPECT_FLOAT_EQ(neg[0], 0.5f);
  float inf[] = {-std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  SoftmaxInPlace(inf, 2);
  EXPECT_FLOAT_EQ(inf[1], 0.5f);
}

TEST(TopKTest, OrdersByScoreThenLowerIndex) {
  const float s[] = {0.1f, 0.3f, 0.3f, 0.05f, 0.3f, 0.25f};
  Result<std::vector<TopKEntry>> r = TopK(s, 6, 4);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].index, 1u);
  EXPECT_EQ((*r)[1].index, 2u);
  EXPECT_EQ((*r)[2].index, 4u);
  EXPECT_EQ((*r)[3].index, 5u);
  EXPECT_EQ((*r)[0].rank, 1);
  EXPECT_EQ((*r)[3].rank, 4);
  EXPECT_FLOAT_EQ((*r)[3].score, 0.25f);
}

TEST(TopKTest, NanRanksLastAndKIsValidated) {
  const float s[] = {std::nanf(""), 0.2f, 0.1f};
  Result<std::vector<TopKEntry>> r = TopK(s, 3, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].index, 1u);
  EXPECT_EQ((*r)[1].index, 2u);
  EXPECT_EQ((*r)[2].index, 0u);
  EXPECT_EQ(TopK(s, 3, 0).status().ToString(),
            "postprocess.topk: NPULENS_OUT_OF_RANGE (1001): top-K must be in [1, 3] (got 0)");
  EXPECT_EQ(TopK(s, 3, 4).status().code(), code::kOutOfRange);
  EXPECT_EQ(TopK(s, 0, 1).status().code(), code::kInvalidArgument);
}

TEST(PostprocessorTest, DequantizesSoftmaxesAndRanksInt8Logits) {
  OutputSpec spec;
  spec.classes = 4;
  spec.dtype = DType::kInt8;
  spec.quant = QuantParams{0.25f, 10};
  spec.kind = OutputKind::kLogits;
  Result<Postprocessor> post = Postprocessor::Create(spec);
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->InputBytes(), 4u);
  const int8_t raw[] = {10, 14, 6, 14};  // logits 0, 1, -1, 1
  Result<std::vector<TopKEntry>> r = post->Run(raw, 4, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const double e = std::exp(1.0);
  const double denom = 1 + 2 * e + 1 / e;
  EXPECT_EQ((*r)[0].index, 1u);
  EXPECT_EQ((*r)[1].index, 3u);
  EXPECT_NEAR((*r)[0].score, e / denom, 1e-6);
  EXPECT_NEAR(post->scores()[2], (1 / e) / denom, 1e-6);

  EXPECT_EQ(post->Run(raw, 3, 2).status().code(), code::kInvalidArgument);
  EXPECT_EQ(post->Run(raw, 4, 5).status().code(), code::kOutOfRange);
}

TEST(PostprocessorTest, ProbabilitiesAreUsedAsIs) {
  OutputSpec spec;
  spec.classes = 3;
  spec.kind = OutputKind::kProbabilities;
  Result<Postprocessor> post = Postprocessor::Create(spec);
  ASSERT_TRUE(post.ok());
  const float p[] = {0.2f, 0.5f, 0.3f};
  Result<std::vector<TopKEntry>> r = post->Run(p, sizeof(p), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].index, 1u);
  EXPECT_EQ((*r)[0].score, 0.5f);
}

TEST(PostprocessorTest, RejectsInvalidSpecs) {
  OutputSpec spec;
  spec.classes = 3;
  spec.dtype = DType::kUint8;
  EXPECT_EQ(Postprocessor::Create(spec).status().code(), code::kInvalidArgument);
  spec.quant = QuantParams{0.1f, 300};
  EXPECT_EQ(Postprocessor::Create(spec).status().code(), code::kOutOfRange);
}

}  // namespace
}  // namespace npulens
