//===- OnnxOpsLoss.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ===//
//
// ONNX loss ops composed of kiln ops (see OnnxOps.h).
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "OnnxOpsUtils.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

namespace {

const OnnxConverter kConverters[] = {
    {"", nullptr},
};

} // namespace

ArrayRef<OnnxConverter> onnx_frontend::lossConverters() {
  return ArrayRef<OnnxConverter>(kConverters).drop_front();
}
