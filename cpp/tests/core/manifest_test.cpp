#include "core/manifest.h"

#include <cstdio>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace npulens {
namespace {

using Json = nlohmann::json;
const char* kFile = "models/manifest.json";

Json ValidManifest() {
  return Json::parse(R"({
    "version": 1,
    "models": [
      {
        "id": "shapes-int8", "title": "Shapes int8", "precision": "int8", "pretrained": true,
        "notes": "n", "labels": "shapes_labels.txt",
        "targets": {
          "onnx": { "file": "shapes_int8.onnx", "sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
          "om": { "file": "om/shapes_int8.om",
                  "input": { "dtype": "uint8", "quant": { "scale": 0.5, "zeroPoint": 3 } },
                  "output": { "dtype": "int8", "quant": { "scale": 0.1, "zeroPoint": -2 } } }
        },
        "input": { "name": "input", "width": 96, "height": 64, "channels": 3, "layout": "NCHW", "dtype": "float32",
                   "colorOrder": "BGR", "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375],
                   "resize": "bilinear", "centerCrop": 0.875 },
        "output": { "name": "logits", "classes": 10, "dtype": "float32", "kind": "logits" }
      },
      {
        "id": "tiny", "title": "Tiny", "precision": "fp32", "pretrained": false,
        "targets": { "onnx": { "file": "tiny.onnx" } },
        "input": { "width": 8, "height": 8, "layout": "NHWC", "dtype": "float32", "colorOrder": "RGB",
                   "mean": [0, 0, 0], "std": [1, 1, 1] },
        "output": { "classes": 3, "dtype": "float32", "kind": "probabilities" }
      }
    ]
  })");
}

TEST(ManifestTest, ParsesAValidManifestAndMergesTargetOverrides) {
  Result<Manifest> r = ParseManifest(ValidManifest().dump(), kFile);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Manifest& m = r.value();
  EXPECT_EQ(m.directory, "models");
  ASSERT_EQ(m.models.size(), 2u);
  const ModelEntry& e = m.models[0];
  EXPECT_EQ(e.id, "shapes-int8");
  EXPECT_EQ(e.precision, Precision::kInt8);
  EXPECT_TRUE(e.pretrained);
  EXPECT_FALSE(e.isDefault);
  EXPECT_EQ(e.labels, "shapes_labels.txt");
  EXPECT_EQ(e.input.width, 96);
  EXPECT_EQ(e.input.height, 64);
  EXPECT_EQ(e.input.colorOrder, ColorOrder::kBGR);
  EXPECT_FLOAT_EQ(e.input.std[2], 57.375f);
  EXPECT_FLOAT_EQ(e.input.centerCrop, 0.875f);
  EXPECT_EQ(e.input.dtype, DType::kFloat32);
  EXPECT_FALSE(e.input.quant.has_value());

  const ModelTarget& onnx = e.targets.at("onnx");
  EXPECT_EQ(onnx.input.dtype, DType::kFloat32);
  EXPECT_EQ(onnx.sha256.size(), 64u);
  const ModelTarget& om = e.targets.at("om");
  EXPECT_EQ(om.file, "om/shapes_int8.om");
  EXPECT_EQ(om.input.dtype, DType::kUint8);  // overridden
  ASSERT_TRUE(om.input.quant.has_value());
  EXPECT_FLOAT_EQ(om.input.quant->scale, 0.5f);
  EXPECT_EQ(om.input.quant->zeroPoint, 3);
  EXPECT_EQ(om.input.width, 96);                     // inherited
  EXPECT_EQ(om.input.colorOrder, ColorOrder::kBGR);  // inherited
  EXPECT_EQ(om.output.dtype, DType::kInt8);
  EXPECT_EQ(om.output.quant->zeroPoint, -2);
  EXPECT_EQ(om.output.classes, 10);

  const ModelEntry& t = m.models[1];
  EXPECT_EQ(t.input.layout, Layout::kNHWC);
  EXPECT_EQ(t.input.channels, 3);
  EXPECT_FLOAT_EQ(t.input.centerCrop, 1.0f);
  EXPECT_EQ(t.output.kind, OutputKind::kProbabilities);
  EXPECT_EQ(m.Find("tiny"), &m.models[1]);
  EXPECT_EQ(m.Find("nope"), nullptr);
  EXPECT_EQ(ResolveManifestPath(m, e.labels), "models/shapes_labels.txt");
}

struct BadCase {
  const char* what;
  std::function<void(Json&)> mutate;
  const char* message;  // expected Status::message()
};

TEST(ManifestTest, EveryInvalidFieldGivesAnExactMessage) {
  const std::vector<BadCase> cases = {
      {"version", [](Json& j) { j["version"] = 2; }, "version must be ≤ 1 (got 2)"},
      {"missing version", [](Json& j) { j.erase("version"); }, "version is required"},
      {"unknown root", [](Json& j) { j["extra"] = 1; }, "(root).extra is not a known field"},
      {"models type", [](Json& j) { j["models"] = 3; }, "models must be an array (got number)"},
      {"models empty", [](Json& j) { j["models"] = Json::array(); }, "models must list at least one model"},
      {"model type", [](Json& j) { j["models"][1] = "x"; }, "models[1] must be an object (got string)"},
      {"id pattern", [](Json& j) { j["models"][0]["id"] = "Shapes"; },
       "models[0].id must match [a-z0-9][a-z0-9._-]* (got \"Shapes\")"},
      {"id duplicate", [](Json& j) { j["models"][1]["id"] = "shapes-int8"; },
       "models[1].id \"shapes-int8\" duplicates models[0].id"},
      {"default type", [](Json& j) { j["models"][0]["default"] = 1; },
       "models[0].default must be true or false (got number)"},
      {"two defaults",
       [](Json& j) {
         j["models"][0]["default"] = true;
         j["models"][1]["default"] = true;
       },
       "models[1].default is true, but models[0] is already the default"},
      {"title missing", [](Json& j) { j["models"][1].erase("title"); }, "models[1].title is required"},
      {"precision", [](Json& j) { j["models"][0]["precision"] = "int4"; },
       "models[0].precision must be \"fp32\" | \"fp16\" | \"int8\" (got \"int4\")"},
      {"pretrained", [](Json& j) { j["models"][0]["pretrained"] = "yes"; },
       "models[0].pretrained must be true or false (got string)"},
      {"labels dotdot", [](Json& j) { j["models"][0]["labels"] = "../etc/passwd"; },
       "models[0].labels must not contain '..' (got \"../etc/passwd\")"},
      {"labels absolute", [](Json& j) { j["models"][0]["labels"] = "/etc/passwd"; },
       "models[0].labels must be relative to the manifest's folder (got \"/etc/passwd\")"},
      {"file dotdot inside", [](Json& j) { j["models"][0]["targets"]["om"]["file"] = "om/../../x.om"; },
       "models[0].targets.om.file must not contain '..' (got \"om/../../x.om\")"},
      {"file missing", [](Json& j) { j["models"][1]["targets"]["onnx"].erase("file"); },
       "models[1].targets.onnx.file is required"},
      {"sha256", [](Json& j) { j["models"][0]["targets"]["onnx"]["sha256"] = "abc"; },
       "models[0].targets.onnx.sha256 must be 64 hexadecimal digits"},
      {"targets empty", [](Json& j) { j["models"][1]["targets"] = Json::object(); },
       "models[1].targets must list at least one target (\"onnx\" or \"om\")"},
      {"target unknown",
       [](Json& j) {
         j["models"][1]["targets"]["tflite"] = {{"file", "a"}};
       },
       "models[1].targets.tflite is not a known target (\"onnx\" | \"om\")"},
      {"width zero", [](Json& j) { j["models"][1]["input"]["width"] = 0; },
       "models[1].input.width must be ≥ 1 (got 0)"},
      {"height huge", [](Json& j) { j["models"][1]["input"]["height"] = 5000; },
       "models[1].input.height must be ≤ 4096 (got 5000)"},
      {"width float", [](Json& j) { j["models"][1]["input"]["width"] = 8.5; },
       "models[1].input.width must be an integer (got 8.5)"},
      {"channels", [](Json& j) { j["models"][1]["input"]["channels"] = 4; },
       "models[1].input.channels must be ≤ 3 (got 4)"},
      {"layout", [](Json& j) { j["models"][1]["input"]["layout"] = "CHW"; },
       "models[1].input.layout must be \"NCHW\" | \"NHWC\" (got \"CHW\")"},
      {"dtype", [](Json& j) { j["models"][1]["input"]["dtype"] = "float64"; },
       "models[1].input.dtype must be \"float32\" | \"float16\" | \"int8\" | \"uint8\" (got \"float64\")"},
      {"colorOrder", [](Json& j) { j["models"][1]["input"]["colorOrder"] = "rgb"; },
       "models[1].input.colorOrder must be \"RGB\" | \"BGR\" (got \"rgb\")"},
      {"mean length",
       [](Json& j) {
         j["models"][1]["input"]["mean"] = {1, 2};
       },
       "models[1].input.mean must have 3 entries (got 2)"},
      {"mean entry", [](Json& j) { j["models"][1]["input"]["mean"][1] = "x"; },
       "models[1].input.mean[1] must be a number (got string)"},
      {"std zero", [](Json& j) { j["models"][1]["input"]["std"][2] = 0; }, "models[1].input.std[2] must be > 0"},
      {"std missing", [](Json& j) { j["models"][1]["input"].erase("std"); }, "models[1].input.std is required"},
      {"quant for float",
       [](Json& j) {
         j["models"][1]["input"]["quant"] = {{"scale", 1}, {"zeroPoint", 0}};
       },
       "models[1].input.quant is only allowed when dtype is int8 or uint8 (models[1].input.dtype is float32)"},
      {"quant missing", [](Json& j) { j["models"][1]["input"]["dtype"] = "int8"; },
       "models[1].input.quant is required when dtype is int8 (models[1].input.dtype)"},
      {"quant scale", [](Json& j) { j["models"][0]["targets"]["om"]["input"]["quant"]["scale"] = -1; },
       "models[0].targets.om.input.quant.scale must be > 0"},
      {"quant zp range", [](Json& j) { j["models"][0]["targets"]["om"]["output"]["quant"]["zeroPoint"] = 128; },
       "models[0].targets.om.output.quant.zeroPoint must be in [-128, 127] for int8 (got 128)"},
      {"override quant missing", [](Json& j) { j["models"][0]["targets"]["om"]["input"].erase("quant"); },
       "models[0].targets.om.input.quant is required when dtype is uint8 (models[0].targets.om.input.dtype)"},
      {"override unknown", [](Json& j) { j["models"][0]["targets"]["om"]["input"]["widht"] = 3; },
       "models[0].targets.om.input.widht is not a known field"},
      {"override bad layout", [](Json& j) { j["models"][0]["targets"]["om"]["input"]["layout"] = 1; },
       "models[0].targets.om.input.layout must be a string (got number)"},
      {"resize", [](Json& j) { j["models"][1]["input"]["resize"] = "nearest"; },
       "models[1].input.resize must be \"bilinear\" (got \"nearest\")"},
      {"centerCrop", [](Json& j) { j["models"][1]["input"]["centerCrop"] = 1.5; },
       "models[1].input.centerCrop must be in (0, 1] (got 1.5)"},
      {"centerCrop zero", [](Json& j) { j["models"][1]["input"]["centerCrop"] = 0; },
       "models[1].input.centerCrop must be in (0, 1] (got 0)"},
      {"classes", [](Json& j) { j["models"][1]["output"]["classes"] = 0; },
       "models[1].output.classes must be ≥ 1 (got 0)"},
      {"kind", [](Json& j) { j["models"][1]["output"]["kind"] = "scores"; },
       "models[1].output.kind must be \"logits\" | \"probabilities\" (got \"scores\")"},
      {"output missing", [](Json& j) { j["models"][1].erase("output"); }, "models[1].output is required"},
      {"input type", [](Json& j) { j["models"][1]["input"] = Json::array(); },
       "models[1].input must be an object (got array)"},
  };
  for (const BadCase& c : cases) {
    Json j = ValidManifest();
    c.mutate(j);
    Result<Manifest> r = ParseManifest(j.dump(), kFile);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().step(), "manifest") << c.what;
    EXPECT_EQ(r.status().code(), code::kManifest) << c.what;
    EXPECT_EQ(r.status().message(), std::string(c.message) + " (" + kFile + ")") << c.what;
  }
}

// The first model with dynamic AIPP at model level (both targets inherit it) and the om target narrowing it.
Json AippManifest() {
  Json j = ValidManifest();
  j["models"][0]["aipp"] = Json::parse(R"({"mode": "dynamic", "maxSrcImageSize": 3110400,
                                            "formats": ["NV21", "NV12", "RGBA"]})");
  j["models"][0]["targets"]["om"]["aipp"] = Json::parse(R"({"formats": ["NV21"]})");
  return j;
}

TEST(ManifestTest, AippDefaultsToNoneAndMergesPerTarget) {
  Result<Manifest> plain = ParseManifest(ValidManifest().dump(), kFile);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  for (const ModelEntry& e : plain->models) {
    EXPECT_EQ(e.aipp.mode, AippMode::kNone);
    for (const auto& t : e.targets) {
      EXPECT_EQ(t.second.aipp.mode, AippMode::kNone) << t.first;
      EXPECT_EQ(t.second.aipp.maxSrcImageSize, 0u);
      EXPECT_TRUE(t.second.aipp.formats.empty());
    }
  }

  Result<Manifest> r = ParseManifest(AippManifest().dump(), kFile);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ModelEntry& e = r->models[0];
  EXPECT_EQ(e.aipp.mode, AippMode::kDynamic);
  const AippSpec& onnx = e.targets.at("onnx").aipp;  // inherited whole
  EXPECT_EQ(onnx.mode, AippMode::kDynamic);
  EXPECT_EQ(onnx.maxSrcImageSize, 3110400u);
  EXPECT_EQ(onnx.formats, (std::vector<std::string>{"NV21", "NV12", "RGBA"}));
  EXPECT_TRUE(onnx.Accepts("RGBA"));
  EXPECT_FALSE(onnx.Accepts("BGRA"));
  const AippSpec& om = e.targets.at("om").aipp;  // formats overridden, the rest inherited
  EXPECT_EQ(om.mode, AippMode::kDynamic);
  EXPECT_EQ(om.maxSrcImageSize, 3110400u);
  EXPECT_EQ(om.formats, (std::vector<std::string>{"NV21"}));
  EXPECT_EQ(r->models[1].targets.at("onnx").aipp.mode, AippMode::kNone);
  EXPECT_STREQ(AippModeName(AippMode::kStatic), "static");

  // A target turning AIPP off drops what it inherits; a static target names its one format.
  Json j = AippManifest();
  j["models"][0]["targets"]["om"]["aipp"] = {{"mode", "none"}};
  j["models"][0]["targets"]["onnx"]["aipp"] = Json::parse(R"({"mode": "static", "formats": ["BGR"]})");
  Result<Manifest> off = ParseManifest(j.dump(), kFile);
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  const AippSpec& omOff = off->models[0].targets.at("om").aipp;
  EXPECT_EQ(omOff.mode, AippMode::kNone);
  EXPECT_EQ(omOff.maxSrcImageSize, 0u);
  EXPECT_TRUE(omOff.formats.empty());
  const AippSpec& onnxStatic = off->models[0].targets.at("onnx").aipp;
  EXPECT_EQ(onnxStatic.mode, AippMode::kStatic);
  EXPECT_EQ(onnxStatic.maxSrcImageSize, 3110400u);
  EXPECT_EQ(onnxStatic.formats, (std::vector<std::string>{"BGR"}));
}

TEST(ManifestTest, EveryInvalidAippFieldGivesAnExactMessage) {
  const std::vector<BadCase> cases = {
      {"aipp type", [](Json& j) { j["models"][0]["aipp"] = "dynamic"; },
       "models[0].aipp must be an object (got string)"},
      {"aipp unknown", [](Json& j) { j["models"][0]["aipp"]["maxSrcSize"] = 1; },
       "models[0].aipp.maxSrcSize is not a known field"},
      {"target aipp unknown", [](Json& j) { j["models"][0]["targets"]["om"]["aipp"]["format"] = "NV21"; },
       "models[0].targets.om.aipp.format is not a known field"},
      {"mode", [](Json& j) { j["models"][0]["aipp"]["mode"] = "Dynamic"; },
       "models[0].aipp.mode must be \"none\" | \"static\" | \"dynamic\" (got \"Dynamic\")"},
      {"size missing", [](Json& j) { j["models"][0]["aipp"].erase("maxSrcImageSize"); },
       "models[0].aipp.maxSrcImageSize is required when mode is \"dynamic\" (the model's max_src_image_size in "
       "bytes)"},
      {"size zero", [](Json& j) { j["models"][0]["aipp"]["maxSrcImageSize"] = 0; },
       "models[0].aipp.maxSrcImageSize must be ≥ 1 (got 0)"},
      {"size over uint32", [](Json& j) { j["models"][0]["targets"]["om"]["aipp"]["maxSrcImageSize"] = 4294967296; },
       "models[0].targets.om.aipp.maxSrcImageSize must be ≤ 4294967295 (got 4294967296)"},
      {"size text", [](Json& j) { j["models"][0]["aipp"]["maxSrcImageSize"] = "3MB"; },
       "models[0].aipp.maxSrcImageSize must be an integer (got string)"},
      {"formats missing", [](Json& j) { j["models"][0]["aipp"].erase("formats"); },
       "models[0].aipp.formats is required when mode is \"dynamic\""},
      {"formats type", [](Json& j) { j["models"][0]["aipp"]["formats"] = "NV21"; },
       "models[0].aipp.formats must be an array of strings (got string)"},
      {"formats empty", [](Json& j) { j["models"][0]["targets"]["om"]["aipp"]["formats"] = Json::array(); },
       "models[0].targets.om.aipp.formats must list at least one format"},
      {"format unknown", [](Json& j) { j["models"][0]["targets"]["om"]["aipp"]["formats"][0] = "YUV420SP"; },
       "models[0].targets.om.aipp.formats[0] must be \"NV21\" | \"NV12\" | \"RGBA\" | \"BGRA\" | \"RGB\" | "
       "\"BGR\" (got \"YUV420SP\")"},
      {"format type", [](Json& j) { j["models"][0]["aipp"]["formats"][1] = 12; },
       "models[0].aipp.formats[1] must be a string (got number)"},
      {"format twice", [](Json& j) { j["models"][0]["aipp"]["formats"][2] = "NV21"; },
       "models[0].aipp.formats[2] \"NV21\" is listed twice"},
      {"static two formats", [](Json& j) { j["models"][0]["aipp"]["mode"] = "static"; },
       "models[0].aipp.formats must list exactly one format when mode is \"static\" (the conversion fixed it; got "
       "3)"},
      {"fields beside none", [](Json& j) { j["models"][0]["aipp"]["mode"] = "none"; },
       "models[0].aipp.maxSrcImageSize is only allowed when mode is \"static\" or \"dynamic\" (models[0].aipp.mode "
       "is \"none\")"},
      {"fields without mode",
       [](Json& j) {
         j["models"][1]["targets"]["onnx"]["aipp"] = {{"formats", {"RGB"}}};
       },
       "models[1].targets.onnx.aipp.formats is only allowed when mode is \"static\" or \"dynamic\" "
       "(models[1].targets.onnx.aipp.mode is absent: \"none\")"},
      {"target none beside formats", [](Json& j) { j["models"][0]["targets"]["om"]["aipp"]["mode"] = "none"; },
       "models[0].targets.om.aipp.formats is only allowed when mode is \"static\" or \"dynamic\" "
       "(models[0].targets.om.aipp.mode is \"none\")"},
      {"dynamic input too small",
       [](Json& j) {
         j["models"][1]["aipp"] = Json::parse(R"({"mode": "dynamic", "maxSrcImageSize": 100, "formats": ["RGB"]})");
       },
       "models[1].aipp.mode is \"dynamic\", but AIPP resizes to 16..448 per side and the input is 8x8"},
      {"dynamic input too large for the target",
       [](Json& j) { j["models"][0]["targets"]["om"]["input"]["width"] = 449; },
       "models[0].aipp.mode is \"dynamic\", but AIPP resizes to 16..448 per side and the input is 449x64"},
  };
  for (const BadCase& c : cases) {
    Json j = AippManifest();
    c.mutate(j);
    Result<Manifest> r = ParseManifest(j.dump(), kFile);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().step(), "manifest") << c.what;
    EXPECT_EQ(r.status().code(), code::kManifest) << c.what;
    EXPECT_EQ(r.status().message(), std::string(c.message) + " (" + kFile + ")") << c.what;
  }
}

TEST(ManifestTest, BatchSizesDefaultToOneAndArePerTarget) {
  Json j = ValidManifest();
  j["models"][0]["targets"]["om"]["batchSizes"] = {1, 2, 4, 8};
  Result<Manifest> r = ParseManifest(j.dump(), kFile);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->models[0].targets.at("om").batchSizes, (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(r->models[0].targets.at("onnx").batchSizes, (std::vector<int>{1}));
  EXPECT_EQ(r->models[1].targets.at("onnx").batchSizes, (std::vector<int>{1}));
  j["models"][1]["targets"]["onnx"]["batchSizes"] = {3};  // a single fixed gear need not be 1
  r = ParseManifest(j.dump(), kFile);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->models[1].targets.at("onnx").batchSizes, (std::vector<int>{3}));
}

TEST(ManifestTest, BadCallEveryInvalidBatchSizesGivesAnExactMessage) {
  const std::vector<BadCase> cases = {
      {"not an array", [](Json& j) { j["models"][0]["targets"]["om"]["batchSizes"] = 4; },
       "models[0].targets.om.batchSizes must be an array of batch sizes (got number)"},
      {"empty", [](Json& j) { j["models"][0]["targets"]["om"]["batchSizes"] = Json::array(); },
       "models[0].targets.om.batchSizes must list at least one batch size"},
      {"zero",
       [](Json& j) {
         j["models"][0]["targets"]["om"]["batchSizes"] = {0, 1};
       },
       "models[0].targets.om.batchSizes[0] must be ≥ 1 (got 0)"},
      {"too big",
       [](Json& j) {
         j["models"][0]["targets"]["onnx"]["batchSizes"] = {1, 65};
       },
       "models[0].targets.onnx.batchSizes[1] must be ≤ 64 (got 65)"},
      {"fraction",
       [](Json& j) {
         j["models"][0]["targets"]["om"]["batchSizes"] = {1, 2.5};
       },
       "models[0].targets.om.batchSizes[1] must be an integer (got 2.5)"},
      {"descending",
       [](Json& j) {
         j["models"][0]["targets"]["om"]["batchSizes"] = {1, 4, 2};
       },
       "models[0].targets.om.batchSizes[2] must be greater than the previous batch size 4 (ascending, each once)"},
      {"twice",
       [](Json& j) {
         j["models"][0]["targets"]["om"]["batchSizes"] = {1, 2, 2};
       },
       "models[0].targets.om.batchSizes[2] must be greater than the previous batch size 2 (ascending, each once)"},
      {"seventeen profiles",
       [](Json& j) {
         Json sizes = Json::array();
         for (int i = 1; i <= 17; ++i) sizes.push_back(i);
         j["models"][0]["targets"]["om"]["batchSizes"] = sizes;
       },
       "models[0].targets.om.batchSizes lists 17 batch sizes; at most 16 profiles (omg --dynamic_dims)"},
      {"on the model, not a target",
       [](Json& j) {
         j["models"][0]["batchSizes"] = {1, 2};
       },
       "models[0].batchSizes is not a known field"},
  };
  for (const BadCase& c : cases) {
    Json j = ValidManifest();
    c.mutate(j);
    Result<Manifest> r = ParseManifest(j.dump(), kFile);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().code(), code::kManifest) << c.what;
    EXPECT_EQ(r.status().message(), std::string(c.message) + " (" + kFile + ")") << c.what;
  }
}

TEST(ManifestTest, ToStringMatchesTheDocumentedShape) {
  Json j = ValidManifest();
  j["models"][1]["input"]["std"][2] = -3;
  Result<Manifest> r = ParseManifest(j.dump(), "entry/src/main/resources/rawfile/models/manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "manifest: NPULENS_MANIFEST (1003): models[1].input.std[2] must be > 0 "
            "(entry/src/main/resources/rawfile/models/manifest.json)");
}

TEST(ManifestTest, RejectsMalformedJsonAndTruncatedFiles) {
  const std::string text = ValidManifest().dump();
  for (size_t cut : {size_t{0}, size_t{1}, text.size() / 2, text.size() - 1}) {
    Result<Manifest> r = ParseManifest(text.substr(0, cut), kFile);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.status().code(), code::kManifest);
    EXPECT_NE(r.status().message().find("is not valid JSON"), std::string::npos);
    EXPECT_NE(r.status().message().find(kFile), std::string::npos);
  }
  Result<Manifest> binary = ParseManifest(std::string("\x89PNG\r\n\x1a\n\0\0", 10), kFile);
  EXPECT_FALSE(binary.ok());
  // Found by fuzz_manifest: the JSON parser throws out_of_range (not parse_error) for a number past a double's range.
  Result<Manifest> overflow = ParseManifest("{\"version\": 88888888E8888888888888888}", kFile);
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().code(), code::kManifest);
  EXPECT_NE(overflow.status().message().find("is not valid JSON: [json.exception.out_of_range.406] number overflow"),
            std::string::npos)
      << overflow.status().message();
}

TEST(ManifestTest, LoadsFilesAndReportsMissingOnes) {
  Result<Manifest> missing = LoadManifestFile("/nonexistent/dir/manifest.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), code::kIo);
  EXPECT_EQ(missing.status().message(), "/nonexistent/dir/manifest.json: No such file or directory");

  const std::string path = ::testing::TempDir() + "npulens_manifest_test.json";
  {
    std::ofstream out(path);
    out << ValidManifest().dump(2);
  }
  Result<Manifest> ok = LoadManifestFile(path);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->file, path);
  std::remove(path.c_str());
}

TEST(LabelsTest, ParsesLinesAndChecksTheCount) {
  Result<std::vector<std::string>> r = ParseLabels("cat\r\ndog\nbird\n", "l.txt", 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), (std::vector<std::string>{"cat", "dog", "bird"}));
  EXPECT_TRUE(ParseLabels("a\nb", "l.txt", 2).ok());    // no final newline
  EXPECT_TRUE(ParseLabels("a\nb\n", "l.txt", 0).ok());  // count not checked

  Result<std::vector<std::string>> wrong = ParseLabels("a\nb\n", "l.txt", 3);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().ToString(),
            "labels: NPULENS_MANIFEST (1003): 2 labels but the output has 3 classes (l.txt)");
  Result<std::vector<std::string>> empty = ParseLabels("a\n\nb\n", "l.txt", 3);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "line 2 is empty (l.txt)");
  EXPECT_EQ(ParseLabels("", "l.txt", 0).status().message(), "no labels (l.txt)");
  Result<std::vector<std::string>> missing = LoadLabelsFile("/nonexistent/labels.txt", 3);
  EXPECT_EQ(missing.status().code(), code::kIo);
}

TEST(SpecValidationTest, ChecksSpecsBuiltOutsideAManifest) {
  InputSpec in;
  in.width = 224, in.height = 224;
  EXPECT_TRUE(ValidateInputSpec(in, "flags").ok());
  in.std[1] = 0;
  EXPECT_EQ(ValidateInputSpec(in, "flags").ToString(),
            "input.spec: NPULENS_OUT_OF_RANGE (1001): flags: std[1] must be > 0");
  in.std[1] = 1;
  in.dtype = DType::kInt8;
  EXPECT_EQ(ValidateInputSpec(in, "flags").code(), code::kInvalidArgument);
  in.quant = QuantParams{0.1f, 200};
  EXPECT_EQ(ValidateInputSpec(in, "flags").code(), code::kOutOfRange);
  OutputSpec out;
  EXPECT_EQ(ValidateOutputSpec(out, "flags").code(), code::kOutOfRange);  // classes 0
  out.classes = 5;
  EXPECT_TRUE(ValidateOutputSpec(out, "flags").ok());
}

}  // namespace
}  // namespace npulens
