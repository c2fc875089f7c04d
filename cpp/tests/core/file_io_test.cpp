// ReadFileBytes/ReadFileText read regular files only, capped per kind, without ever blocking on a special file.
#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "core/manifest.h"

namespace npulens {
namespace {

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "npulens_file_io_XXXXXX";
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    dir_ = dir + "/";
  }
  void TearDown() override {
    for (const std::string& p : made_) std::remove(p.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string Path(const std::string& name) {
    made_.push_back(dir_ + name);
    return dir_ + name;
  }
  std::string Write(const std::string& name, const std::string& content) {
    const std::string p = Path(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  std::string dir_;
  std::vector<std::string> made_;
};

// Runs `read` on another thread and fails if it has not returned within 3 s. Then `unblock` runs (e.g. opens the
// FIFO's writing end, so that a read stuck in open() sees EOF) and the thread is joined: a hang fails the test
// instead of blocking the suite.
Status ReadPromptly(
    const std::function<Status()>& read, const std::function<void()>& unblock = [] {}) {
  const auto start = std::chrono::steady_clock::now();
  std::future<Status> done = std::async(std::launch::async, read);
  const bool prompt = done.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
  if (!prompt) unblock();
  Status st = done.get();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(prompt) << "the read took " << seconds << " s";
  return st;
}

Status BytesStatus(const std::string& path, const FileKind& kind = kModelFile) {
  return ReadFileBytes(path, kind).status();
}

TEST_F(FileIoTest, ReadsARegularFileWhole) {
  std::string content(200000, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  const std::string p = Write("model.onnx", content);
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(p);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), content);
  // One allocation of the file's size: seeing EOF must not copy a 900 MB model into a buffer twice its size.
  EXPECT_EQ(bytes->capacity(), content.size());
  Result<std::string> text = ReadFileText(p, kLabelsFile);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text.value(), content);
}

TEST_F(FileIoTest, ReadsAnEmptyFileAsNoBytes) {
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(Write("empty", ""));
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_TRUE(bytes->empty());
}

TEST_F(FileIoTest, ReadsAFileOfExactlyTheLimitAndNotOneByteMore) {
  const FileKind kind{"test file", 16};
  Result<std::string> exact = ReadFileText(Write("16", std::string(16, 'x')), kind);
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact.value(), std::string(16, 'x'));
  const std::string p = Write("17", std::string(17, 'x'));
  EXPECT_EQ(ReadFileText(p, kind).status().message(),
            p + ": test file is 17 bytes; the limit for a test file is 16 bytes");
}

// /proc files are regular with st_size 0 but have content: the size from fstat is only a hint, and reading stops
// after limit + 1 bytes whatever it said (as for a file that grows while it is read).
TEST_F(FileIoTest, ReadsPastAZeroSizeHintButStopsAtTheLimit) {
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/status", &st), 0);
  ASSERT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(st.st_size, 0);
  Result<std::string> whole = ReadFileText("/proc/self/status", kManifestFile);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_NE(whole->find("Name:"), std::string::npos);
  EXPECT_EQ(ReadFileText("/proc/self/status", FileKind{"test file", 16}).status().message(),
            "/proc/self/status: test file passed 16 bytes while being read; the limit for a test file is 16 bytes");
}

TEST_F(FileIoTest, BAD_CALL_DevZeroIsRejectedUpFront) {
  const Status st = ReadPromptly([] { return BytesStatus("/dev/zero"); });
  EXPECT_EQ(st.ToString(),
            "io.read: NPULENS_IO (1002): /dev/zero: model file is a character device, not a regular file");
  EXPECT_EQ(ReadPromptly([] { return ReadFileText("/dev/urandom", kLabelsFile).status(); }).message(),
            "/dev/urandom: labels file is a character device, not a regular file");
}

TEST_F(FileIoTest, BAD_CALL_ASymlinkIsJudgedByWhatItOpens) {
  const std::string link = Path("model.onnx");
  ASSERT_EQ(::symlink("/dev/zero", link.c_str()), 0);
  EXPECT_EQ(ReadPromptly([&] { return BytesStatus(link); }).message(),
            link + ": model file is a character device, not a regular file");
  const std::string good = Write("labels.txt", "a\nb\n");
  const std::string toGood = Path("labels-link.txt");
  ASSERT_EQ(::symlink(good.c_str(), toGood.c_str()), 0);
  EXPECT_TRUE(ReadFileText(toGood, kLabelsFile).ok());
}

TEST_F(FileIoTest, BAD_CALL_AFifoWithNoWriterFailsAtOnce) {
  const std::string fifo = Path("labels.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Status st = ReadPromptly([&] { return ReadFileText(fifo, kLabelsFile).status(); },
                                 [&] { ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK)); });
  EXPECT_EQ(st.message(), fifo + ": labels file is a FIFO, not a regular file");
  EXPECT_EQ(st.code(), code::kIo);
  EXPECT_EQ(st.step(), "io.read");
}

TEST_F(FileIoTest, BAD_CALL_ADirectoryIsRefusedWithoutReading) {
  EXPECT_EQ(ReadPromptly([&] { return ReadFileText(dir_, kManifestFile).status(); }).message(),
            dir_ + ": Is a directory");
}

// Sparse files: the size is refused from fstat, before a byte is read or allocated.
TEST_F(FileIoTest, BAD_CALL_AFileOverTheLimitOfItsKindIsRefusedBeforeReading) {
  const std::string p = Path("labels.txt");
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, off_t{3328599654}), 0);
  ::close(fd);
  EXPECT_EQ(ReadPromptly([&] { return ReadFileText(p, kLabelsFile).status(); }).message(),
            p + ": labels file is 3.1 GiB (3328599654 bytes); the limit for a labels file is 4 MiB");
  ASSERT_EQ(::truncate(p.c_str(), off_t{(1 << 30) + 1}), 0);
  EXPECT_EQ(ReadPromptly([&] { return BytesStatus(p); }).message(),
            p + ": model file is 1.0 GiB (1073741825 bytes); the limit for a model file is 1 GiB");
  ASSERT_EQ(::truncate(p.c_str(), off_t{(1 << 20) + 1}), 0);
  EXPECT_EQ(ReadPromptly([&] { return ReadFileText(p, kManifestFile).status(); }).message(),
            p + ": manifest is 1.0 MiB (1048577 bytes); the limit for a manifest is 1 MiB");
}

TEST_F(FileIoTest, BAD_CALL_AMissingFileNamesThePathAndTheReason) {
  EXPECT_EQ(BytesStatus(dir_ + "missing.onnx").ToString(),
            "io.read: NPULENS_IO (1002): " + dir_ + "missing.onnx: No such file or directory");
}

TEST_F(FileIoTest, BAD_CALL_APathWithANulByteIsRefusedNotCutShort) {
  const std::string real = Write("m.onnx", "bytes");
  const Status st = BytesStatus(real + std::string("\0.txt", 5));
  EXPECT_EQ(st.ToString(),
            "io.read: NPULENS_INVALID_ARGUMENT (1000): " + real + "\\0.txt: model file path contains a NUL byte");
}

// The manifest and labels loaders read with their own kinds.
TEST_F(FileIoTest, BAD_CALL_ManifestAndLabelsLoadersRejectSpecialFiles) {
  EXPECT_EQ(ReadPromptly([] { return LoadManifestFile("/dev/zero").status(); }).message(),
            "/dev/zero: manifest is a character device, not a regular file");
  const std::string fifo = Path("labels.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(ReadPromptly([&] { return LoadLabelsFile(fifo, 3).status(); },
                         [&] { ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK)); })
                .message(),
            fifo + ": labels file is a FIFO, not a regular file");
}

TEST(FormatByteSizeTest, WholeUnitsPlainOtherwiseOneDecimal) {
  EXPECT_EQ(FormatByteSize(0), "0 bytes");
  EXPECT_EQ(FormatByteSize(1), "1 byte");
  EXPECT_EQ(FormatByteSize(1023), "1023 bytes");
  EXPECT_EQ(FormatByteSize(1024), "1 KiB");
  EXPECT_EQ(FormatByteSize(1536), "1.5 KiB");
  EXPECT_EQ(FormatByteSize(uint64_t{4} << 20), "4 MiB");
  EXPECT_EQ(FormatByteSize((uint64_t{4} << 20) + 1), "4.0 MiB");
  EXPECT_EQ(FormatByteSize(uint64_t{3} << 30 | uint64_t{1} << 29), "3.5 GiB");
  EXPECT_EQ(FormatByteSize(~uint64_t{0}), "16 EiB");  // the largest size, as a double
}

}  // namespace
}  // namespace npulens
