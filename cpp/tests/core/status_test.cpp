#include "core/status.h"

#include <gtest/gtest.h>

namespace npulens {
namespace {

TEST(StatusTest, NnrtCodeNamesMatchTheSdkTable) {
  EXPECT_STREQ(CodeName(0), "OH_NN_SUCCESS");
  EXPECT_STREQ(CodeName(1), "OH_NN_FAILED");
  EXPECT_STREQ(CodeName(2), "OH_NN_INVALID_PARAMETER");
  EXPECT_STREQ(CodeName(3), "OH_NN_MEMORY_ERROR");
  EXPECT_STREQ(CodeName(4), "OH_NN_OPERATION_FORBIDDEN");
  EXPECT_STREQ(CodeName(5), "OH_NN_NULL_PTR");
  EXPECT_STREQ(CodeName(6), "OH_NN_INVALID_FILE");
  EXPECT_STREQ(CodeName(7), "OH_NN_UNAVALIDABLE_DEVICE");
  EXPECT_STREQ(CodeName(8), "OH_NN_INVALID_PATH");
  EXPECT_STREQ(CodeName(9), "OH_NN_TIMEOUT");
  EXPECT_STREQ(CodeName(10), "OH_NN_UNSUPPORTED");
  EXPECT_STREQ(CodeName(11), "OH_NN_CONNECTION_EXCEPTION");
  EXPECT_STREQ(CodeName(12), "OH_NN_SAVE_CACHE_EXCEPTION");
  EXPECT_STREQ(CodeName(13), "OH_NN_DYNAMIC_SHAPE");
  EXPECT_STREQ(CodeName(14), "OH_NN_UNAVAILABLE_DEVICE");
  EXPECT_STREQ(CodeName(15), "UNKNOWN_CODE");
  EXPECT_STREQ(CodeName(-1), "UNKNOWN_CODE");
}

TEST(StatusTest, OwnCodesHaveNamesAndKinds) {
  EXPECT_STREQ(CodeName(code::kInvalidArgument), "NPULENS_INVALID_ARGUMENT");
  EXPECT_STREQ(CodeName(code::kOutOfRange), "NPULENS_OUT_OF_RANGE");
  EXPECT_STREQ(CodeName(code::kReleased), "NPULENS_RELEASED");
  EXPECT_STREQ(CodeName(code::kInternal), "NPULENS_INTERNAL");
  EXPECT_STREQ(CodeName(code::kInternal + 1), "UNKNOWN_CODE");
  EXPECT_EQ(KindOfCode(code::kInvalidArgument), ErrorKind::kTypeError);
  EXPECT_EQ(KindOfCode(code::kOutOfRange), ErrorKind::kRangeError);
  EXPECT_EQ(KindOfCode(code::kNnInvalidFile), ErrorKind::kError);
  EXPECT_EQ(KindOfCode(code::kReleased), ErrorKind::kError);
}

TEST(StatusTest, ToStringNamesStepCodeAndMessage) {
  EXPECT_EQ(Status().ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
  Status s("compile.build", code::kNnInvalidFile, "");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "compile.build: OH_NN_INVALID_FILE (6)");
  EXPECT_EQ(s.WithDetail("not an offline model").ToString(),
            "compile.build: OH_NN_INVALID_FILE (6): not an offline model");
  EXPECT_EQ(s.WithDetail("a").WithDetail("b").message(), "a: b");
  EXPECT_EQ(s.WithDetail("").ToString(), s.ToString());
  EXPECT_EQ(Status("session.run", code::kReleased, "released").ToString(),
            "session.run: NPULENS_RELEASED (1004): released");
}

TEST(StatusTest, ResultHoldsValueOrStatus) {
  Result<int> good(42);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 42);
  Result<int> bad(Status("x", code::kIo, "boom"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), code::kIo);
}

}  // namespace
}  // namespace npulens
