// DecodeSizeFor: the golden cases of rawfile samples/decode_size.json (the binding's node test and the device suite
// check the same file through classifier.decodeSize), then the promise itself over many sizes: the region the
// pre-processing reads covers the model input, the size is the smallest that does (two pixels less on both axes,
// one for the rounding up, no longer covers), it keeps the aspect and never exceeds the source.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/preprocess.h"

namespace npulens {
namespace {

InputSpec Spec(int width, int height, float centerCrop) {
  InputSpec spec;
  spec.width = width;
  spec.height = height;
  spec.centerCrop = centerCrop;
  return spec;
}

nlohmann::json Fixture() {
  std::ifstream in(NPULENS_DECODE_SIZE_FIXTURE);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

TEST(DecodeSizeTest, GoldenCases) {
  const nlohmann::json fixture = Fixture();
  ASSERT_GE(fixture.at("cases").size(), 10u);
  for (const nlohmann::json& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const nlohmann::json& in = c.at("input");
    Result<ImageSize> r = DecodeSizeFor(c.at("source")[0].get<int64_t>(), c.at("source")[1].get<int64_t>(),
                                        Spec(in.at("width"), in.at("height"), in.at("centerCrop").get<float>()));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->width, c.at("decode")[0].get<int>());
    EXPECT_EQ(r->height, c.at("decode")[1].get<int>());
  }
}

TEST(DecodeSizeTest, BadCallSourceSideOutOfRange) {
  const nlohmann::json fixture = Fixture();
  ASSERT_GE(fixture.at("errors").size(), 4u);
  for (const nlohmann::json& c : fixture.at("errors")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const int64_t w = c.at("source")[0].get<int64_t>(), h = c.at("source")[1].get<int64_t>();
    Result<ImageSize> r = DecodeSizeFor(w, h, Spec(224, 224, 0.875f));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code::kOutOfRange);
    EXPECT_EQ(r.status().step(), "decodeSize");
    EXPECT_EQ(r.status().message(),
              "source size " + std::to_string(w) + "x" + std::to_string(h) + " is outside 1..2147483647 on a side");
  }
}

TEST(DecodeSizeTest, BadCallInvalidSpec) {
  for (const InputSpec& spec : {Spec(0, 224, 1.0f), Spec(224, 224, 0.0f), Spec(224, 224, 1.5f)}) {
    Result<ImageSize> r = DecodeSizeFor(640, 480, spec);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().step(), "decodeSize");
    EXPECT_NE(r.status().message().find("input"), std::string::npos) << r.status().message();
  }
}

// What Prepare reads of a w x h image: the crop square's side, or the whole image on each axis.
bool Covers(int w, int h, const InputSpec& spec) {
  if (spec.centerCrop < 1.0f) {
    return spec.centerCrop * static_cast<double>(std::min(w, h)) >= std::max(spec.width, spec.height);
  }
  return w >= spec.width && h >= spec.height;
}

TEST(DecodeSizeTest, SmallestCoveringSizeNeverUpscaled) {
  for (const InputSpec& spec :
       {Spec(224, 224, 0.875f), Spec(96, 96, 1.0f), Spec(160, 40, 1.0f), Spec(120, 200, 0.5f), Spec(299, 299, 0.9f)}) {
    for (int w = 1; w <= 4100; w += 37) {
      for (int h = 1; h <= 4100; h += 53) {
        Result<ImageSize> r = DecodeSizeFor(w, h, spec);
        ASSERT_TRUE(r.ok());
        const int dw = r->width, dh = r->height;
        ASSERT_TRUE(dw >= 1 && dw <= w && dh >= 1 && dh <= h) << w << "x" << h << " -> " << dw << "x" << dh;
        if (!Covers(w, h, spec)) {
          // The source itself is too small: decoded whole.
          EXPECT_TRUE(dw == w && dh == h) << w << "x" << h << " -> " << dw << "x" << dh;
          continue;
        }
        EXPECT_TRUE(Covers(dw, dh, spec)) << w << "x" << h << " -> " << dw << "x" << dh;
        // Aspect kept: each side within a pixel of the other scaled by the source's ratio.
        EXPECT_LE(std::fabs(dw - static_cast<double>(dh) * w / h), 1.0 + static_cast<double>(w) / h)
            << w << "x" << h << " -> " << dw << "x" << dh;
        // Smallest: two pixels less on both axes (rounding up can add one) no longer covers.
        if (dw > 2 && dh > 2 && (dw < w || dh < h)) {
          EXPECT_FALSE(Covers(dw - 2, dh - 2, spec)) << w << "x" << h << " -> " << dw << "x" << dh;
        }
      }
    }
  }
}

TEST(DecodeSizeTest, CropSmallerThanOneNeedsMoreThanTheWholeImage) {
  // The same picture and model: a 0.875 crop reads 0.875 of the short side, so it is decoded 1/0.875 larger.
  Result<ImageSize> crop = DecodeSizeFor(4032, 3024, Spec(224, 224, 0.875f));
  Result<ImageSize> whole = DecodeSizeFor(4032, 3024, Spec(224, 224, 1.0f));
  ASSERT_TRUE(crop.ok() && whole.ok());
  EXPECT_EQ(whole->width, 299);
  EXPECT_EQ(whole->height, 224);
  EXPECT_EQ(crop->width, 342);
  EXPECT_EQ(crop->height, 256);
}

}  // namespace
}  // namespace npulens
