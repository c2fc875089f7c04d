// The model loader without Node: manifest models and model files read through an in-memory FileReader (what the
// device's rawfile reader looks like to the loader) and through ReadDiskFile, with the binding's error steps, codes
// and messages.
#include "nnrt/model_loader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace npulens {
namespace {

const char kManifestPath[] = "models/manifest.json";

const char kManifest[] = R"({
  "version": 1,
  "models": [
    { "id": "shapes-int8", "title": "Shapes int8", "precision": "int8", "pretrained": true, "default": true,
      "labels": "shapes_labels.txt",
      "targets": { "onnx": { "file": "shapes_int8.onnx" },
                   "om": { "file": "om/shapes_int8.om", "input": { "width": 32, "height": 32 } } },
      "input": { "width": 16, "height": 24, "layout": "NCHW", "dtype": "float32", "colorOrder": "RGB",
                 "mean": [1, 2, 3], "std": [4, 5, 6] },
      "output": { "classes": 3, "dtype": "float32", "kind": "logits" } },
    { "id": "device-only", "title": "Device only", "precision": "fp16", "pretrained": false,
      "targets": { "om": { "file": "device.om" } },
      "input": { "width": 8, "height": 8, "layout": "NHWC", "dtype": "float32", "colorOrder": "BGR",
                 "mean": [0, 0, 0], "std": [1, 1, 1] },
      "output": { "classes": 2, "dtype": "float32", "kind": "probabilities" } }
  ]
})";

// Files by path, recording each read and the kind it was read as.
class MemoryFiles {
 public:
  explicit MemoryFiles(std::map<std::string, std::string> files) : files_(std::move(files)) {}

  FileReader Reader() {
    return [this](const std::string& path, const FileKind& kind) -> Result<std::vector<uint8_t>> {
      reads.emplace_back(path, kind.name);
      auto it = files_.find(path);
      if (it == files_.end()) return Status("rawfile.open", code::kIo, "no rawfile '" + path + "'");
      return std::vector<uint8_t>(it->second.begin(), it->second.end());
    };
  }

  std::vector<std::pair<std::string, std::string>> reads;  // path, kind name

 private:
  std::map<std::string, std::string> files_;
};

MemoryFiles Bundle() {
  return MemoryFiles({{kManifestPath, kManifest},
                      {"models/shapes_labels.txt", "circle\nsquare\ntriangle\n"},
                      {"models/shapes_int8.onnx", "ONNX"},
                      {"models/om/shapes_int8.om", "OM"},
                      {"models/device.om", ""}});
}

ModelRequest ManifestRequest(const std::string& id, const std::string& target) {
  ModelRequest r;
  r.manifestPath = kManifestPath;
  r.modelId = id;
  r.target = target;
  return r;
}

ModelRequest FileRequest() {
  ModelRequest r;
  r.modelPath = "dir/tiny.onnx";
  r.classes = 3;
  InputSpec input;
  input.width = 16;
  input.height = 16;
  r.input = input;
  return r;
}

void ExpectError(const Status& st, const std::string& step, int code, const std::string& message) {
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.step(), step) << st.ToString();
  EXPECT_EQ(st.code(), code) << st.ToString();
  EXPECT_EQ(st.message(), message);
}

TEST(ModelLoaderTest, ManifestModelReadsTheTargetsFileAndLabelsWithTheTargetsSpecs) {
  MemoryFiles files = Bundle();
  Result<LoadedModel> r = LoadModel(ManifestRequest("shapes-int8", "om"), files.Reader());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const LoadedModel& m = r.value();
  EXPECT_EQ(std::string(m.bytes.begin(), m.bytes.end()), "OM");
  EXPECT_EQ(m.title, "Shapes int8");
  EXPECT_EQ(m.file, "om/shapes_int8.om");
  EXPECT_EQ(m.config.modelId, "shapes-int8");
  EXPECT_EQ(m.config.precision, Precision::kInt8);
  EXPECT_EQ(m.config.input.width, 32);  // the "om" override
  EXPECT_FLOAT_EQ(m.config.input.std[2], 6);
  EXPECT_EQ(m.config.output.classes, 3);
  EXPECT_EQ(m.config.labels, (std::vector<std::string>{"circle", "square", "triangle"}));
  // Each file is read as what it is (its cap and its name in errors), resolved against the manifest's folder.
  const std::vector<std::pair<std::string, std::string>> expected = {{kManifestPath, kManifestFile.name},
                                                                     {"models/shapes_labels.txt", kLabelsFile.name},
                                                                     {"models/om/shapes_int8.om", kModelFile.name}};
  EXPECT_EQ(files.reads, expected);
}

TEST(ModelLoaderTest, UnknownModelIdNamesTheKnownOnesAndTheManifest) {
  MemoryFiles files = Bundle();
  ExpectError(LoadModel(ManifestRequest("nope", "onnx"), files.Reader()).status(), "manifest", code::kManifest,
              "no model 'nope' (known: shapes-int8, device-only) (models/manifest.json)");
}

TEST(ModelLoaderTest, MissingTargetNamesTheTargetsTheModelHas) {
  MemoryFiles files = Bundle();
  ExpectError(LoadModel(ManifestRequest("device-only", "onnx"), files.Reader()).status(), "manifest", code::kManifest,
              "model 'device-only' has no 'onnx' target (it has: om) (models/manifest.json)");
}

TEST(ModelLoaderTest, EmptyModelFileIsAnIoErrorOfThatFile) {
  MemoryFiles files = Bundle();
  ExpectError(LoadModel(ManifestRequest("device-only", "om"), files.Reader()).status(), "io.read", code::kIo,
              "models/device.om: the model file is empty");
}

TEST(ModelLoaderTest, ReaderErrorsReachTheCallerUnchanged) {
  MemoryFiles noLabels({{kManifestPath, kManifest}, {"models/shapes_int8.onnx", "ONNX"}});
  ExpectError(LoadModel(ManifestRequest("shapes-int8", "onnx"), noLabels.Reader()).status(), "rawfile.open", code::kIo,
              "no rawfile 'models/shapes_labels.txt'");
  MemoryFiles noManifest(std::map<std::string, std::string>{});
  ExpectError(LoadModel(ManifestRequest("shapes-int8", "onnx"), noManifest.Reader()).status(), "rawfile.open",
              code::kIo, "no rawfile 'models/manifest.json'");
}

TEST(ModelLoaderTest, BadManifestAndBadLabelsAreManifestErrorsNamingTheFile) {
  MemoryFiles badJson(std::map<std::string, std::string>{{kManifestPath, "{\"version\": 1, \"models\": ["}});
  Status st = LoadModel(ManifestRequest("shapes-int8", "onnx"), badJson.Reader()).status();
  EXPECT_EQ(st.code(), code::kManifest) << st.ToString();
  EXPECT_NE(st.message().find("models/manifest.json"), std::string::npos) << st.ToString();
  MemoryFiles twoLabels({{kManifestPath, kManifest},
                         {"models/shapes_labels.txt", "circle\nsquare\n"},
                         {"models/shapes_int8.onnx", "ONNX"}});
  st = LoadModel(ManifestRequest("shapes-int8", "onnx"), twoLabels.Reader()).status();
  EXPECT_EQ(st.code(), code::kManifest) << st.ToString();
  EXPECT_NE(st.message().find("models/shapes_labels.txt"), std::string::npos) << st.ToString();
}

TEST(ModelLoaderTest, ModelFileTakesItsIdFromTheFileNameAndItsClassCountFromTheLabels) {
  MemoryFiles files({{"dir/tiny.onnx", "ONNX"}, {"dir/labels.txt", "a\nb\nc\nd\n"}});
  ModelRequest request = FileRequest();
  request.classes = 0;
  request.labelsPath = "dir/labels.txt";
  request.outputKind = OutputKind::kProbabilities;
  Result<LoadedModel> r = LoadModel(request, files.Reader());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().config.modelId, "tiny");
  EXPECT_EQ(r.value().title, "tiny.onnx");
  EXPECT_EQ(r.value().file, "dir/tiny.onnx");
  EXPECT_EQ(r.value().config.output.classes, 4);
  EXPECT_EQ(r.value().config.output.kind, OutputKind::kProbabilities);
  EXPECT_EQ(r.value().config.labels.size(), 4u);
  EXPECT_EQ(r.value().config.input.width, 16);
}

TEST(ModelLoaderTest, ModelBytesAreUsedAsGivenAndNamedModelBytes) {
  MemoryFiles none(std::map<std::string, std::string>{});
  ModelRequest request = FileRequest();
  request.modelPath.reset();
  request.modelBytes = std::vector<uint8_t>{1, 2, 3};
  Result<LoadedModel> r = LoadModel(request, none.Reader());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().bytes, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(r.value().file, "(modelBytes)");
  EXPECT_EQ(r.value().config.output.classes, 3);
  EXPECT_TRUE(none.reads.empty());
  request.modelBytes = std::vector<uint8_t>{};
  ExpectError(LoadModel(request, none.Reader()).status(), "io.read", code::kIo,
              "(modelBytes): the model file is empty");
}

TEST(ModelLoaderTest, BadCallBothModelPathAndModelBytes) {
  ModelRequest request = FileRequest();
  request.modelBytes = std::vector<uint8_t>{1};
  ExpectError(CheckModelRequest(request, "loadClassifier"), "loadClassifier", code::kInvalidArgument,
              "options need rawfileDir + modelId, or one of modelPath / modelBytes + input");
  request.modelBytes.reset();
  request.modelPath.reset();
  ExpectError(CheckModelRequest(request, "loadClassifier"), "loadClassifier", code::kInvalidArgument,
              "options need rawfileDir + modelId, or one of modelPath / modelBytes + input");
}

TEST(ModelLoaderTest, BadCallModelFileWithoutLabelsOrClassCount) {
  ModelRequest request = FileRequest();
  request.classes = 0;
  ExpectError(CheckModelRequest(request, "loadClassifier"), "loadClassifier", code::kInvalidArgument,
              "a model file needs options.labelsPath or options.classes (its class count)");
}

TEST(ModelLoaderTest, BadCallModelFileWithoutInput) {
  ModelRequest request = FileRequest();
  request.input.reset();
  ExpectError(CheckModelRequest(request, "loadClassifier"), "loadClassifier", code::kInvalidArgument,
              "options.input must be an object {width, height, ...}");
  // LoadModel checks too: a caller that skipped CheckModelRequest gets the error, not a read of an empty spec.
  MemoryFiles files(std::map<std::string, std::string>{{"dir/tiny.onnx", "ONNX"}});
  ExpectError(LoadModel(request, files.Reader()).status(), "load", code::kInvalidArgument,
              "options.input must be an object {width, height, ...}");
  EXPECT_TRUE(files.reads.empty());
}

TEST(ModelLoaderTest, BadCallInputSpecIsValidatedAtTheCallersStep) {
  ModelRequest request = FileRequest();
  request.input->std[1] = 0;
  Status st = CheckModelRequest(request, "loadClassifier");
  EXPECT_EQ(st.step(), "loadClassifier");
  EXPECT_EQ(st.code(), code::kOutOfRange) << st.ToString();
  EXPECT_NE(st.message().find("options.input"), std::string::npos) << st.ToString();
  request = FileRequest();
  request.input->width = 0;
  st = CheckModelRequest(request, "loadClassifier");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.step(), "loadClassifier");
  EXPECT_NE(st.message().find("options.input"), std::string::npos) << st.ToString();
}

TEST(ModelLoaderTest, ManifestRequestPassesTheShapeCheck) {
  EXPECT_TRUE(CheckModelRequest(ManifestRequest("anything", "onnx"), "loadClassifier").ok());
}

TEST(ModelLoaderTest, CatalogListsEveryModelWithTheTargetsFile) {
  MemoryFiles files = Bundle();
  Result<std::vector<CatalogEntry>> r = ReadModelCatalog(kManifestPath, "onnx", files.Reader());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.value().size(), 2u);
  const CatalogEntry& a = r.value()[0];
  EXPECT_EQ(a.id, "shapes-int8");
  EXPECT_EQ(a.title, "Shapes int8");
  EXPECT_EQ(a.precision, Precision::kInt8);
  EXPECT_TRUE(a.pretrained);
  EXPECT_TRUE(a.isDefault);
  EXPECT_EQ(a.inputWidth, 16);  // the model's own input, not a target override
  EXPECT_EQ(a.inputHeight, 24);
  EXPECT_EQ(a.classes, 3);
  EXPECT_EQ(a.file, "shapes_int8.onnx");
  EXPECT_EQ(r.value()[1].file, "") << "no onnx target";
  EXPECT_FALSE(r.value()[1].isDefault);
  EXPECT_EQ(ReadModelCatalog(kManifestPath, "om", files.Reader()).value()[1].file, "device.om");
  // Only the manifest is read.
  ASSERT_EQ(files.reads.size(), 2u);
  EXPECT_EQ(files.reads[0].first, kManifestPath);
}

// Files on disk through ReadDiskFile: the same loader the host CLI and tests use, with the files' caps.
class ModelLoaderDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/npulens-loader-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ASSERT_EQ(mkdir((dir_ + "/models").c_str(), 0755), 0);
    Write("models/manifest.json", kManifest);
    Write("models/shapes_labels.txt", "circle\nsquare\ntriangle\n");
    Write("models/shapes_int8.onnx", "ONNX");
  }
  void TearDown() override {
    for (const std::string& f : written_) std::remove((dir_ + "/" + f).c_str());
    rmdir((dir_ + "/models/sub").c_str());
    rmdir((dir_ + "/models").c_str());
    rmdir(dir_.c_str());
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << text;
    written_.push_back(name);
  }
  ModelRequest Request(const std::string& id) {
    ModelRequest r = ManifestRequest(id, "onnx");
    r.manifestPath = dir_ + "/models/manifest.json";
    return r;
  }
  std::string dir_;
  std::vector<std::string> written_;
};

TEST_F(ModelLoaderDiskTest, LoadsAManifestModelFromDisk) {
  Result<LoadedModel> r = LoadModel(Request("shapes-int8"), ReadDiskFile);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::string(r.value().bytes.begin(), r.value().bytes.end()), "ONNX");
  EXPECT_EQ(r.value().config.labels.size(), 3u);
}

TEST_F(ModelLoaderDiskTest, LabelsFileOverItsCapIsRefusedAsALabelsFile) {
  Write("models/shapes_labels.txt", std::string((4u << 20) + 1, 'a'));
  Status st = LoadModel(Request("shapes-int8"), ReadDiskFile).status();
  EXPECT_EQ(st.step(), "io.read") << st.ToString();
  EXPECT_EQ(st.code(), code::kIo);
  EXPECT_NE(st.message().find("the limit for a labels file is 4 MiB"), std::string::npos) << st.ToString();
}

TEST_F(ModelLoaderDiskTest, ModelPathThatIsADirectoryIsAnIoErrorNamingIt) {
  ASSERT_EQ(mkdir((dir_ + "/models/sub").c_str(), 0755), 0);
  ModelRequest request = FileRequest();
  request.modelPath = dir_ + "/models/sub";
  Status st = LoadModel(request, ReadDiskFile).status();
  ExpectError(st, "io.read", code::kIo, dir_ + "/models/sub: Is a directory");
}

TEST_F(ModelLoaderDiskTest, MissingManifestIsAnIoErrorNamingIt) {
  ModelRequest request = Request("shapes-int8");
  request.manifestPath = dir_ + "/nowhere/manifest.json";
  Status st = LoadModel(request, ReadDiskFile).status();
  EXPECT_EQ(st.code(), code::kIo) << st.ToString();
  EXPECT_EQ(st.message().rfind(dir_ + "/nowhere/manifest.json: ", 0), 0u) << st.ToString();
}

}  // namespace
}  // namespace npulens
